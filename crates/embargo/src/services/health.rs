//! Whether this server can do its work: for `/healthz` and a load balancer.

use crate::app::AppState;

/// A round trip to the database; the error is for the log, never for the client.
pub async fn check(state: &AppState) -> store::Result<()> {
    state.db.ping().await
}
