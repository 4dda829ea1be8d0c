// What a webhooks-only app bundles of this package: all of it.
export * from "realtimekit-webhooks";
