//! [`Client`]: the seven webhooks endpoints and [`Client::ensure`]. Every
//! method goes through [`Client::request`]: [`Client::send`] sends and
//! retries (each failed attempt decided by the one policy, [`retry::next`]),
//! then the reply is decoded.

use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use js_sys::{Array, JsString};
use web_sys::AbortSignal;

use crate::boundary::op;
use crate::error::{url_without_credentials, ApiError, Error, Failure, RequestContext, MAX_ERROR_BODY};
use crate::json::Doc;
use crate::models::{self, EnsureAction, FromDoc, NewWebhook, Webhook, WebhookPatch};
use crate::retry::{self, Method, Next, WaitHints, MAX_SERVER_WAIT_SECS};
use crate::transport::{self, BodyLimits, Fetch, Outgoing, Reply};
use crate::validate;

/// The API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";
/// Default time allowed for each attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Largest successful reply body read (a list of many thousand webhooks fits).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// How the client authenticates. `Debug` never shows the secrets.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// An API token, sent as `Authorization: Bearer <token>`.
    ApiToken(String),
    /// A global API key and its account email (`X-Auth-Key`, `X-Auth-Email`).
    ApiKey {
        /// The global API key.
        key: String,
        /// The email of the account that owns the key.
        email: String,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiToken(_) => f.write_str("ApiToken([redacted])"),
            Auth::ApiKey { .. } => f.write_str("ApiKey { key: [redacted], email: [redacted] }"),
        }
    }
}

/// Options for one call, over the client's defaults. `Debug` shows header names only.
#[derive(Clone, Default)]
pub struct RequestOptions {
    /// Aborts the call, including any wait between retries.
    pub signal: Option<AbortSignal>,
    /// Time allowed for each attempt.
    pub timeout: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// Extra headers, over the client's default headers.
    pub headers: Vec<(String, String)>,
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestOptions")
            .field("signal", &self.signal.as_ref().map(|_| "AbortSignal"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("headers", &header_names(&self.headers))
            .finish()
    }
}

/// The result of [`Client::ensure`]: the webhook as it now is, and what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ensured {
    /// The webhook, after any change.
    pub webhook: Webhook,
    /// What `ensure` did.
    pub action: EnsureAction,
    /// Other webhooks with the same name, left as they are (`ensure` keeps the
    /// oldest in shape): delete them if they are duplicates.
    pub duplicates: Vec<Webhook>,
}

/// Builds a [`Client`]; [`ClientBuilder::build`] checks everything.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    account_id: String,
    app_id: String,
    auth: Auth,
    base_url: String,
    timeout: Duration,
    max_retries: u32,
    headers: Vec<(String, String)>,
    fetch: Fetch,
}

impl ClientBuilder {
    /// The API's base URL (default [`DEFAULT_BASE_URL`]); point it at the emulator for offline use.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time allowed for each attempt (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retries after the first attempt (default 2).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// A header sent with every request.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The `fetch` to call (default: the global one).
    pub fn fetch(mut self, fetch: Fetch) -> Self {
        self.fetch = fetch;
        self
    }

    /// Checks the settings and makes the client.
    pub fn build(self) -> Result<Client, Error> {
        let account = validate::path_segment("accountId", &self.account_id)?;
        let app = validate::path_segment("appId", &self.app_id)?;
        let base = validate::base_url(&self.base_url)?;
        let (mut headers, secrets) = match &self.auth {
            Auth::ApiToken(token) => {
                if token.trim_ascii().is_empty() {
                    return Err(Error::invalid("apiToken", "must not be empty"));
                }
                (vec![("authorization".to_owned(), format!("Bearer {token}"))], vec![token.clone()])
            }
            Auth::ApiKey { key, email } => {
                if key.trim_ascii().is_empty() {
                    return Err(Error::invalid("apiKey", "must not be empty"));
                }
                if email.trim_ascii().is_empty() {
                    return Err(Error::invalid("apiEmail", "must not be empty"));
                }
                let headers = vec![("x-auth-key".to_owned(), key.clone()), ("x-auth-email".to_owned(), email.clone())];
                (headers, vec![key.clone(), email.clone()])
            }
        };
        for (_, value) in &headers {
            // The secret itself must be a valid header value.
            validate::header(credential_field(&self.auth), "credential", value)
                .map_err(|_| Error::invalid(credential_field(&self.auth), "must not contain line breaks or NUL"))?;
        }
        merge_headers(&mut headers, &self.headers, "defaultHeaders")?;
        let webhooks_url = format!("{base}/accounts/{account}/realtime/kit/{app}/webhooks");
        Ok(Client {
            shared: Rc::new(Shared {
                webhooks_url_js: JsString::from(webhooks_url.as_str()),
                header_lists: [transport::header_list(&headers, false), transport::header_list(&headers, true)],
                webhooks_url,
                account_id: self.account_id,
                app_id: self.app_id,
                base_url: base.to_string(),
                headers,
                secrets,
                fetch: self.fetch,
                timeout: self.timeout,
                max_retries: self.max_retries,
            }),
            options: RequestOptions::default(),
        })
    }
}

fn credential_field(auth: &Auth) -> &'static str {
    match auth {
        Auth::ApiToken(_) => "apiToken",
        Auth::ApiKey { .. } => "apiKey",
    }
}

/// A client for one RealtimeKit app's webhooks. Cheap to clone; clones share settings.
///
/// ```no_run
/// # async fn run() -> Result<(), realtimekit_webhooks::Error> {
/// use realtimekit_webhooks::{Auth, Client, NewWebhook, WebhookEvent};
/// let client = Client::builder("account-id", "app-id", Auth::ApiToken("token".into())).build()?;
/// let hook = client
///     .create(&NewWebhook {
///         name: "meetings".into(),
///         url: "https://example.com/hooks".into(),
///         events: vec![WebhookEvent::MeetingStarted, WebhookEvent::MeetingEnded],
///         enabled: None,
///     })
///     .await?;
/// client.delete(&hook.id).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Rc<Shared>,
    options: RequestOptions,
}

struct Shared {
    account_id: String,
    app_id: String,
    /// Without a trailing slash.
    base_url: String,
    /// `{base}/accounts/{account}/realtime/kit/{app}/webhooks`, segments encoded.
    webhooks_url: String,
    /// The same, as a JS string: made once, not at each request.
    webhooks_url_js: JsString,
    /// `headers` as `exchange` takes them, made once: without and with a body.
    header_lists: [Array; 2],
    /// Credentials then default headers, names lower-cased.
    headers: Vec<(String, String)>,
    /// Texts redacted from anything the server echoes back.
    secrets: Vec<String>,
    fetch: Fetch,
    timeout: Duration,
    max_retries: u32,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("webhooks_url", &self.shared.webhooks_url)
            .field("headers", &header_names(&self.shared.headers))
            .field("fetch", &self.shared.fetch)
            .field("timeout", &self.shared.timeout)
            .field("max_retries", &self.shared.max_retries)
            .field("options", &self.options)
            .finish()
    }
}

impl Client {
    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.shared.account_id
    }

    /// The RealtimeKit app id.
    pub fn app_id(&self) -> &str {
        &self.shared.app_id
    }

    /// The API's base URL, without any user or password in it.
    pub fn base_url(&self) -> String {
        url_without_credentials(&self.shared.base_url)
    }

    /// Starts building a client for an account's app.
    pub fn builder(account_id: impl Into<String>, app_id: impl Into<String>, auth: Auth) -> ClientBuilder {
        ClientBuilder {
            account_id: account_id.into(),
            app_id: app_id.into(),
            auth,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            headers: Vec::new(),
            fetch: Fetch::global(),
        }
    }

    /// A client whose calls use `options` (signal, timeout, retries, headers).
    pub fn with_options(&self, options: RequestOptions) -> Client {
        Client { shared: Rc::clone(&self.shared), options }
    }

    /// All webhooks of the app (`GET .../webhooks`).
    pub async fn list(&self) -> Result<Vec<Webhook>, Error> {
        self.list_as().await
    }

    pub(crate) async fn list_as<T: FromReply + FromDoc>(&self) -> Result<T, Error> {
        self.request(Endpoint::new(op::LIST, Method::Get, ""), None).await
    }

    /// Creates a webhook (`POST .../webhooks`). Never creates two: after a failure that may have
    /// taken effect it looks before sending again (the policy: [`retry::next`]; the look:
    /// `Client::find_created`, which [`Client::send`] calls).
    pub async fn create(&self, hook: &NewWebhook) -> Result<Webhook, Error> {
        self.create_as(hook).await
    }

    pub(crate) async fn create_as<T: FromReply + FromDoc>(&self, hook: &NewWebhook) -> Result<T, Error> {
        validate::new_webhook(hook)?;
        self.request(Endpoint { creates: Some(hook), ..Endpoint::new(op::CREATE, Method::Post, "") }, Some(hook.to_json())).await
    }

    /// One webhook (`GET .../webhooks/{id}`).
    pub async fn get(&self, id: &str) -> Result<Webhook, Error> {
        self.get_as(id).await
    }

    pub(crate) async fn get_as<T: FromReply + FromDoc>(&self, id: &str) -> Result<T, Error> {
        let path = self.webhook_path(id)?;
        self.request(Endpoint::new(op::GET, Method::Get, &path), None).await
    }

    /// Replaces all of a webhook's fields (`PUT .../webhooks/{id}`).
    pub async fn replace(&self, id: &str, hook: &NewWebhook) -> Result<Webhook, Error> {
        self.replace_as(id, hook).await
    }

    pub(crate) async fn replace_as<T: FromReply + FromDoc>(&self, id: &str, hook: &NewWebhook) -> Result<T, Error> {
        let path = self.webhook_path(id)?;
        validate::new_webhook(hook)?;
        self.request(Endpoint::new(op::REPLACE, Method::Put, &path), Some(hook.to_json())).await
    }

    /// Changes the given fields of a webhook (`PATCH .../webhooks/{id}`).
    pub async fn edit(&self, id: &str, patch: &WebhookPatch) -> Result<Webhook, Error> {
        self.edit_as(id, patch).await
    }

    pub(crate) async fn edit_as<T: FromReply + FromDoc>(&self, id: &str, patch: &WebhookPatch) -> Result<T, Error> {
        let path = self.webhook_path(id)?;
        validate::patch(patch)?;
        self.request(Endpoint::new(op::EDIT, Method::Patch, &path), Some(patch.to_json())).await
    }

    /// Deletes a webhook and returns it (`DELETE .../webhooks/{id}`).
    pub async fn delete(&self, id: &str) -> Result<Webhook, Error> {
        self.delete_as(id).await
    }

    pub(crate) async fn delete_as<T: FromReply + FromDoc>(&self, id: &str) -> Result<T, Error> {
        let path = self.webhook_path(id)?;
        self.request(Endpoint::new(op::DELETE, Method::Delete, &path), None).await
    }

    /// The event names the server supports (`GET .../webhooks/all`).
    pub async fn supported_events(&self) -> Result<Vec<String>, Error> {
        self.supported_events_as().await
    }

    pub(crate) async fn supported_events_as<T: FromReply + FromDoc>(&self) -> Result<T, Error> {
        self.request(Endpoint::new(op::SUPPORTED_EVENTS, Method::Get, "/all"), None).await
    }

    /// Makes the app have a webhook named `hook.name` that looks like `hook`:
    /// creates it when missing, edits what differs (url, events as a set,
    /// `enabled`, where `None` means `true` as on create), and never duplicates.
    /// When several webhooks share the name, the oldest is the one kept in shape.
    pub async fn ensure(&self, hook: &NewWebhook) -> Result<Ensured, Error> {
        let (webhook, action, duplicates) = self.ensure_as(hook).await?;
        Ok(Ensured { webhook, action, duplicates })
    }

    pub(crate) async fn ensure_as<T: FromReply + FromDoc>(&self, hook: &NewWebhook) -> Result<(T, EnsureAction, Vec<T>), Error> {
        validate::new_webhook(hook)?;
        let listed: Listed = self.request(Endpoint::new(op::ENSURE, Method::Get, ""), None).await?;
        let existing =
            listed.hooks.iter().enumerate().filter(|(_, w)| w.name == hook.name).min_by(|(_, a), (_, b)| a.created_at.cmp(&b.created_at));
        let Some((at, existing)) = existing else {
            return Ok((self.create_as(hook).await?, EnsureAction::Created, Vec::new()));
        };
        let duplicates = listed
            .hooks
            .iter()
            .enumerate()
            .filter(|(i, w)| *i != at && w.name == hook.name)
            .map(|(i, _)| listed.get(i))
            .collect::<Result<Vec<T>, Error>>()?;
        let patch = WebhookPatch::to_match(existing, hook);
        if patch == WebhookPatch::default() {
            return Ok((listed.get(at)?, EnsureAction::Unchanged, duplicates));
        }
        Ok((self.edit_as(&existing.id, &patch).await?, EnsureAction::Updated, duplicates))
    }

    /// After a create that may have taken effect: the webhook it made, if the
    /// list shows it. When several match (an identical one existed before),
    /// the newest is ours.
    async fn find_created(&self, hook: &NewWebhook) -> Result<Option<Doc>, Error> {
        let enabled = hook.enabled.unwrap_or(true);
        // Boxed: `send` looks through here, and this lists through `send`. The
        // list is part of the create: its errors name the create.
        let listed: Listed = Box::pin(self.request(Endpoint::new(op::CREATE, Method::Get, ""), None)).await?;
        let found = listed
            .hooks
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                w.name == hook.name && w.url == hook.url && w.enabled == enabled && models::same_events(&w.events, &hook.events)
            })
            .max_by(|(_, a), (_, b)| a.created_at.cmp(&b.created_at));
        Ok(found.and_then(|(at, _)| listed.docs.get(at).cloned()))
    }

    /// Every client method's one way to the API: [`Client::send`], then the
    /// reply's `data` (or the webhook a create was found to have made) as a `T`.
    async fn request<T: FromReply + FromDoc>(&self, endpoint: Endpoint<'_>, body: Option<String>) -> Result<T, Error> {
        match self.send(endpoint, body).await? {
            Sent::Reply(reply) => T::from_reply(&reply).map_err(|why| self.bad_reply(&reply, why)),
            Sent::Found(doc) => T::from_doc(doc).map_err(Error::connection),
        }
    }

    /// The one request function: sends `endpoint`, and after each failed attempt
    /// does what the retry policy says ([`retry::next`]): gives up, sends it
    /// again, or (a create that may have taken effect) looks whether it did
    /// before sending it again. (Not generic, so its code exists once in the
    /// wasm module.)
    async fn send(&self, endpoint: Endpoint<'_>, body: Option<String>) -> Result<Sent, Error> {
        let headers = self.headers(body.is_some())?;
        let retries = self.max_retries();
        let mut retry = 0;
        loop {
            let error = match self.attempt(endpoint, retry, body.as_deref(), &headers).await {
                Ok(reply) => return Ok(Sent::Reply(reply)),
                Err(error) => error,
            };
            let next = retry::next(endpoint.method, &error);
            if next == Next::GiveUp || (next == Next::Retry && retry >= retries) {
                return Err(error);
            }
            if retry < retries {
                self.pause(endpoint, &error, retry).await?;
            }
            if let (Next::LookThenRetry, Some(hook)) = (next, endpoint.creates) {
                // A slow create shows up in the list after the wait (or not at all, if it failed).
                match self.find_created(hook).await {
                    Ok(Some(created)) => return Ok(Sent::Found(created)),
                    Ok(None) if retry < retries => {}
                    _ => return Err(error),
                }
            }
            retry += 1;
        }
    }

    /// Waits before retry number `retry`: the server's wait when it gave one
    /// (a wait longer than a minute returns `error` now), else backoff.
    async fn pause(&self, endpoint: Endpoint<'_>, error: &Error, retry: u32) -> Result<(), Error> {
        let delay = match error.as_api().and_then(|api| api.retry_after) {
            Some(secs) if secs > MAX_SERVER_WAIT_SECS => return Err(error.clone()),
            Some(secs) => Duration::from_millis((secs * 1000.0) as u64),
            None => retry::backoff(retry, transport::random()),
        };
        let slept = transport::sleep(delay, self.options.signal.as_ref()).await;
        slept.map_err(|failure| failed(failure, Some(self.context(endpoint, retry, true))))
    }

    /// Attempt number `retry` + 1: one exchange; a 2xx reply, or an error.
    async fn attempt(&self, endpoint: Endpoint<'_>, retry: u32, body: Option<&str>, headers: &Array) -> Result<Reply, Error> {
        let outgoing =
            Outgoing { method: endpoint.method, base: &self.shared.webhooks_url_js, path: endpoint.path, headers, body, no_store: false };
        let limits = BodyLimits { success: MAX_BODY, error: MAX_ERROR_BODY };
        let sent = transport::send(&self.shared.fetch, &outgoing, self.timeout(), self.options.signal.as_ref(), limits).await;
        let reply = sent.map_err(|failure| failed(failure, Some(self.context(endpoint, retry, false))))?;
        self.check(reply).map_err(|error| match error {
            Error::Api(mut api) => {
                api.request = Some(self.context(endpoint, retry, false));
                Error::Api(api)
            }
            other => other,
        })
    }

    /// What attempt `retry` + 1 of `endpoint` was, for an error message.
    fn context(&self, endpoint: Endpoint<'_>, retry: u32, waiting: bool) -> RequestContext {
        RequestContext {
            operation: endpoint.operation,
            method: endpoint.method.as_str(),
            url: url_without_credentials(&format!("{}{}", self.shared.webhooks_url, endpoint.path)),
            attempt: retry + 1,
            attempts: self.max_retries() + 1,
            timeout_ms: self.timeout().as_millis().min(u128::from(u64::MAX)) as u64,
            waiting,
        }
    }

    fn timeout(&self) -> Duration {
        self.options.timeout.unwrap_or(self.shared.timeout)
    }

    /// The status checked first: a typed error for an error reply (with the
    /// server's wait, when it gave one), the reply itself for a whole 2xx one.
    fn check(&self, reply: Reply) -> Result<Reply, Error> {
        if !(200..300).contains(&reply.status) {
            return Err(self.api_error(reply_error(&reply)));
        }
        if reply.truncated {
            return Err(self.bad_reply(&reply, format!("the reply is larger than {MAX_BODY} bytes")));
        }
        Ok(reply)
    }

    /// An error for a 2xx reply that is not what the API sends.
    fn bad_reply(&self, reply: &Reply, problem: String) -> Error {
        self.api_error(unexpected_reply(reply, problem))
    }

    fn api_error(&self, mut api: ApiError) -> Error {
        let secrets: Vec<&str> = self.shared.secrets.iter().map(String::as_str).collect();
        api.redact(&secrets);
        Error::Api(Box::new(api))
    }

    /// `/{id}`, the path of one webhook under the webhooks URL.
    fn webhook_path(&self, id: &str) -> Result<String, Error> {
        if id == "all" {
            return Err(Error::invalid("webhookId", "\"all\" is not a webhook id (it names the supported-events endpoint)"));
        }
        Ok(format!("/{}", validate::path_segment("webhookId", id)?))
    }

    fn max_retries(&self) -> u32 {
        self.options.max_retries.unwrap_or(self.shared.max_retries)
    }

    /// The headers of a request, as `exchange` takes them: credentials,
    /// defaults, then this call's own (the client's, made once, when the call
    /// has none of its own).
    fn headers(&self, has_body: bool) -> Result<Array, Error> {
        if self.options.headers.is_empty() {
            return Ok(self.shared.header_lists[usize::from(has_body)].clone());
        }
        let mut headers = self.shared.headers.clone();
        merge_headers(&mut headers, &self.options.headers, "headers")?;
        Ok(transport::header_list(&headers, has_body))
    }
}

/// What the body of a 2xx reply becomes: read in Rust through [`Doc`] (the
/// Rust API's types), or checked and handed over whole (the JS facade's).
/// The error says what is wrong with the reply.
pub(crate) trait FromReply: Sized {
    fn from_reply(reply: &Reply) -> Result<Self, String>;
}

/// The error a non-2xx reply stands for, with the wait the server asked for.
pub(crate) fn reply_error(reply: &Reply) -> ApiError {
    let mut api = ApiError::from_reply(reply.status, reply.header("cf-ray"), reply.text(MAX_ERROR_BODY as u32));
    let hints = WaitHints {
        retry_after_ms: reply.header("retry-after-ms"),
        retry_after: reply.header("retry-after"),
        ratelimit: reply.header("ratelimit"),
        x_ratelimit_reset: reply.header("x-ratelimit-reset"),
        body_retry_after: api.retry_after,
    };
    api.retry_after = hints.delay(transport::now_ms());
    api
}

/// The error for a 2xx reply that is not what the API sends.
pub(crate) fn unexpected_reply(reply: &Reply, problem: String) -> ApiError {
    ApiError::bad_reply(reply.status, reply.header("cf-ray"), reply.text(MAX_ERROR_BODY as u32), problem)
}

/// The envelope's `data` of a reply.
pub(crate) fn reply_data(reply: &Reply) -> Result<Doc, String> {
    models::reply_data(reply.doc())
}

macro_rules! from_reply_through_doc {
    ($($t:ty),*) => {$(
        impl FromReply for $t {
            fn from_reply(reply: &Reply) -> Result<Self, String> {
                models::decode_reply(reply.doc())
            }
        }
    )*};
}
from_reply_through_doc!(Webhook, Vec<Webhook>, Vec<String>, Listed);

/// What [`Client::send`] got: a 2xx reply, or, for a create that failed in a
/// way that may have taken effect, the webhook the list shows it made.
enum Sent {
    Reply(Reply),
    Found(Doc),
}

/// A list of webhooks read both ways: each as a [`Webhook`] (to compare),
/// and each as it came (to return one as the caller's `T`).
struct Listed {
    hooks: Vec<Webhook>,
    docs: Vec<Doc>,
}

impl FromDoc for Listed {
    fn from_doc(doc: Doc) -> Result<Listed, String> {
        let docs = doc.items().unwrap_or_default();
        Ok(Listed { hooks: Vec::<Webhook>::from_doc(doc)?, docs })
    }
}

impl Listed {
    /// Webhook `at` as a `T` (the list was checked already).
    fn get<T: FromDoc>(&self, at: usize) -> Result<T, Error> {
        let doc = self.docs.get(at).cloned().ok_or_else(|| Error::connection("the list changed while it was read"))?;
        T::from_doc(doc).map_err(Error::connection)
    }
}

/// Adds `extra` to `headers`, each replacing any header of the same name.
fn merge_headers(headers: &mut Vec<(String, String)>, extra: &[(String, String)], field: &str) -> Result<(), Error> {
    for (name, value) in extra {
        validate::header(field, name, value)?;
        let name = name.to_ascii_lowercase();
        headers.retain(|(n, _)| *n != name);
        headers.push((name, value.clone()));
    }
    Ok(())
}

fn header_names(headers: &[(String, String)]) -> Vec<&str> {
    headers.iter().map(|(name, _)| name.as_str()).collect()
}

/// What a client method asks of the API: the operation (as its errors name
/// it), the method and path, and for a create the webhook it makes.
#[derive(Debug, Clone, Copy)]
struct Endpoint<'a> {
    operation: &'static str,
    method: Method,
    /// After the webhooks URL: `""`, `"/all"` or `"/{id}"`.
    path: &'a str,
    /// The webhook a create makes: what to look for after a failure that may have taken effect.
    creates: Option<&'a NewWebhook>,
}

impl<'a> Endpoint<'a> {
    fn new(operation: &'static str, method: Method, path: &'a str) -> Endpoint<'a> {
        Endpoint { operation, method, path, creates: None }
    }
}

/// The error for a request that got no reply, naming the request when known.
pub(crate) fn failed(failure: transport::Failure, request: Option<RequestContext>) -> Error {
    match failure {
        transport::Failure::Connection(message, cause) => Error::Connection(Box::new(Failure { message, request, cause })),
        transport::Failure::Timeout => Error::Timeout(Box::new(Failure { message: String::new(), request, cause: None })),
        transport::Failure::Aborted(reason, unsent) => {
            let message = if unsent { "before it was sent" } else { "" };
            Error::Aborted(Box::new(Failure { message: message.to_owned(), request, cause: reason }))
        }
    }
}
