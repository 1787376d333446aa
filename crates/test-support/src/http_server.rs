//! [`serve`]: a local HTTP/1.1 server in a task — it accepts connections on a listener and
//! answers every request with a handler. The stand-ins the tests and the CLI's tools start on
//! 127.0.0.1 (webhook receivers, the OpenAI-compatible provider) share it.
//!
//! It never binds by itself (the caller passes its listener, so it knows the address first) and
//! never stops on a failed accept or connection: aborting the returned task stops it.

use std::future::Future;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Serves `listener` until the returned task is aborted; each request goes to `handler`.
pub fn serve<H, F, E>(listener: TcpListener, handler: H) -> JoinHandle<()>
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<Full<Bytes>>, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(handler))
                    .await;
            });
        }
    })
}
