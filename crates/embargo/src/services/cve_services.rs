//! A client of CVE Services, the CVE Program's API for CNAs: reserve an id, publish a CNA
//! container, update it. The endpoints and headers are those of the CVE Services API
//! (`POST /cve-id?amount=1&cve_year=Y&short_name=ORG`, `POST|PUT /cve/{id}/cna`, headers
//! `CVE-API-ORG`, `CVE-API-USER`, `CVE-API-KEY`). The key never appears in logs or errors.

use crate::config::Cve;
use serde_json::Value;
use std::time::Duration;

/// Longest response body read from CVE Services.
const MAX_RESPONSE: usize = 1024 * 1024;
/// Time allowed for one request.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a CVE Services call failed.
#[derive(Debug, thiserror::Error)]
pub enum CveServicesError {
    /// The service answered with an error status; `message` is its own explanation.
    #[error("CVE Services refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("CVE Services could not be reached: {0}")]
    Transport(String),
    #[error("CVE Services sent an unexpected answer: {0}")]
    BadResponse(String),
}

/// A configured client for one CNA.
#[derive(Clone)]
pub struct CveServices {
    client: reqwest::Client,
    base: String,
    org: String,
    user: String,
    key: String,
}

impl std::fmt::Debug for CveServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CveServices")
            .field("base", &self.base)
            .field("org", &self.org)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl CveServices {
    /// The client for the configured CNA, or `None` when CVE Services is not configured.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn from_config(config: &Cve) -> Result<Option<Self>, CveServicesError> {
        if config.api_key.is_empty()
            || config.api_user.is_empty()
            || config.org_short_name.is_empty()
        {
            return Ok(None);
        }
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("embargo/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CveServicesError::Transport(e.to_string()))?;
        Ok(Some(Self {
            client,
            base: config.api_url.trim_end_matches('/').to_owned(),
            org: config.org_short_name.clone(),
            user: config.api_user.clone(),
            key: config.api_key.clone(),
        }))
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("CVE-API-ORG", &self.org)
            .header("CVE-API-USER", &self.user)
            .header("CVE-API-KEY", &self.key)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, CveServicesError> {
        let response = request
            .send()
            .await
            .map_err(|e| CveServicesError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| CveServicesError::Transport(e.without_url().to_string()))?;
        if body.len() > MAX_RESPONSE {
            return Err(CveServicesError::BadResponse(format!(
                "a body of {} bytes",
                body.len()
            )));
        }
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        if !status.is_success() {
            let message = json
                .as_ref()
                .and_then(|j| j.get("message").or_else(|| j.get("error")))
                .and_then(Value::as_str)
                .map_or_else(|| "no explanation given".to_owned(), str::to_owned);
            return Err(CveServicesError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        json.ok_or_else(|| CveServicesError::BadResponse("not JSON".into()))
    }

    /// Reserves one CVE id for `year`; returns it (`CVE-2026-12345`).
    ///
    /// # Errors
    /// See [`CveServicesError`].
    pub async fn reserve(&self, year: i16) -> Result<String, CveServicesError> {
        let path = format!(
            "/cve-id?amount=1&cve_year={year}&short_name={}",
            url_component(&self.org)
        );
        let answer = self
            .send(self.request(reqwest::Method::POST, &path))
            .await?;
        answer
            .get("cve_ids")
            .and_then(Value::as_array)
            .and_then(|ids| ids.first())
            .and_then(|id| id.get("cve_id"))
            .and_then(Value::as_str)
            .filter(|id| advisory::ids::is_cve_id(id))
            .map(str::to_owned)
            .ok_or_else(|| CveServicesError::BadResponse("no cve_ids[0].cve_id".into()))
    }

    /// Publishes the CNA container of a reserved id.
    ///
    /// # Errors
    /// See [`CveServicesError`].
    pub async fn publish(&self, id: &str, cna_container: &Value) -> Result<(), CveServicesError> {
        self.send_container(reqwest::Method::POST, id, cna_container)
            .await
    }

    /// Replaces the CNA container of a published record.
    ///
    /// # Errors
    /// See [`CveServicesError`].
    pub async fn update(&self, id: &str, cna_container: &Value) -> Result<(), CveServicesError> {
        self.send_container(reqwest::Method::PUT, id, cna_container)
            .await
    }

    async fn send_container(
        &self,
        method: reqwest::Method,
        id: &str,
        cna_container: &Value,
    ) -> Result<(), CveServicesError> {
        if !advisory::ids::is_cve_id(id) {
            return Err(CveServicesError::BadResponse(format!(
                "{id:?} is not a CVE id"
            )));
        }
        let body = serde_json::json!({ "cnaContainer": cna_container });
        self.send(self.request(method, &format!("/cve/{id}/cna")).json(&body))
            .await
            .map(|_| ())
    }
}

/// Percent-encodes a query value (short names are letters, digits, `_` and `-` in practice).
fn url_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
