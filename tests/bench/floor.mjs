// The floor: fetch + JSON.parse by hand, with the least a real client needs
// (the Authorization header, a status check, the envelope's `data`).

export function floor({ baseURL, accountId, appId, apiToken }) {
  const base = `${baseURL}/accounts/${encodeURIComponent(accountId)}/realtime/kit/${encodeURIComponent(appId)}/webhooks`;
  const init = { headers: { authorization: `Bearer ${apiToken}` } };
  const call = async (url) => {
    const response = await fetch(url, init);
    const body = JSON.parse(await response.text());
    if (!response.ok || body.success !== true) throw new Error(`HTTP ${response.status}`);
    return body.data;
  };
  return {
    get: (id) => call(`${base}/${encodeURIComponent(id)}`),
    list: () => call(base),
  };
}
