//! The accept loop. Hand-rolled (not `axum::serve`) so a fault script can
//! drop a request's connection: each connection gets a [`Kill`] switch, put
//! into its requests' extensions.

use std::sync::Arc;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

/// Closes the connection a request arrived on, without a reply.
#[derive(Clone, Debug)]
pub struct Kill(Arc<Notify>);

impl Kill {
    pub fn now(&self) {
        self.0.notify_one();
    }
}

/// Serves `app` on `listener` until the process ends.
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("rtk-emulator: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let kill = Kill(Arc::new(Notify::new()));
            let switch = kill.clone();
            let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(switch.clone());
                app.clone().oneshot(request.map(axum::body::Body::new))
            });
            let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = kill.0.notified() => {}
            }
        });
    }
}
