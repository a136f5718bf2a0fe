//! A webhook receiver: a real HTTP server (on its own thread and runtime, so tests may block)
//! that records every POST and answers as the test's plan says. Signatures are checked here
//! with the `hmac` crate directly, not with Embargo's own code.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub event: String,
    pub delivery: String,
    pub signature: String,
    pub content_type: String,
    pub body: String,
}

/// What to answer to the `n`th request (0-based): a status and a delay before answering.
pub type Plan = Arc<dyn Fn(usize) -> (u16, Duration) + Send + Sync>;

#[derive(Debug)]
pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Receiver {
    pub fn start(plan: Plan) -> Receiver {
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let recorded = hits.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind receiver");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                let counter = Arc::new(Mutex::new(0usize));
                let app = axum::Router::new().route(
                    "/hook",
                    axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                        let recorded = recorded.clone();
                        let plan = plan.clone();
                        let counter = counter.clone();
                        async move {
                            let header = |n: &str| {
                                headers
                                    .get(n)
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or("")
                                    .to_owned()
                            };
                            let n = {
                                let mut c = counter.lock().expect("counter");
                                *c += 1;
                                *c - 1
                            };
                            let (status, delay) = plan(n);
                            tokio::time::sleep(delay).await;
                            recorded.lock().expect("hits").push(Hit {
                                event: header("x-embargo-event"),
                                delivery: header("x-embargo-delivery"),
                                signature: header("x-embargo-signature"),
                                content_type: header("content-type"),
                                body,
                            });
                            axum::http::StatusCode::from_u16(status)
                                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
                        }
                    }),
                );
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("receiver address");
        Receiver {
            url: format!("http://{addr}/hook"),
            hits,
            stop: Some(stop_tx),
        }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// Waits until at least `n` requests were answered.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Hit> {
        let deadline = Instant::now() + within;
        loop {
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} webhook requests within {within:?}: {hits:?}",
                hits.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Whether `signature` is `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
pub fn signature_valid(secret: &str, body: &str, signature: &str) -> bool {
    let Some(hex_sig) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes()) == hex_sig
}
