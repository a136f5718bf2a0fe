//! HTTP retrieval of security.txt files, for `embargo securitytxt lint URL` and the daily
//! watch of files projects host elsewhere. One GET per call, no automatic redirects (the
//! `securitytxt` crate follows and reports them), the body capped.

/// The client for fetching security.txt files: no automatic redirects (the linter follows
/// and reports them), short timeouts.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(20))
        .user_agent(concat!(
            "embargo/",
            env!("CARGO_PKG_VERSION"),
            " security.txt linter"
        ))
        .build()?)
}

/// One GET, reading at most one byte more than the linter accepts.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
) -> Result<::securitytxt::HttpResponse, String> {
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let header = |name: reqwest::header::HeaderName, r: &reqwest::Response| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let status = response.status().as_u16();
    let location = header(reqwest::header::LOCATION, &response);
    let content_type = header(reqwest::header::CONTENT_TYPE, &response);
    let cap = ::securitytxt::DEFAULT_MAX_SIZE + 1;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
        body.extend_from_slice(&chunk[..chunk.len().min(cap - body.len())]);
        if body.len() >= cap {
            break;
        }
    }
    Ok(::securitytxt::HttpResponse {
        status,
        location,
        content_type,
        body,
    })
}
