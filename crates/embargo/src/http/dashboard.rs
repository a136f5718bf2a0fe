//! The project dashboard page (`/inbox/{slug}/dashboard`, maintainers and triagers). The
//! charts are SVG made by `domain::stats::svg_bar_chart`, which escapes every text it
//! draws; the page inserts them as they are.

use super::{
    auth::CurrentUser,
    csrf::CsrfToken,
    error::PageError,
    templates::{base, page},
};
use crate::{
    AppState,
    services::dashboard::{self, human_duration},
};
use axum::{
    Extension,
    extract::{Path, State},
    response::Html,
};

pub async fn dashboard_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let d = dashboard::build(&state, &user, &slug).await?;
    let shown = |v: Option<jiff::SignedDuration>| v.map_or_else(|| "—".to_owned(), human_duration);
    let response: Vec<_> = [
        ("Acknowledge", &d.times.acknowledge),
        ("Triage", &d.times.triage),
        ("Fix", &d.times.fix),
    ]
    .into_iter()
    .map(|(step, s)| {
        minijinja::context! { step, count => s.count, median => shown(s.median), p90 => shown(s.p90) }
    })
    .collect();
    let by_age: Vec<_> = d
        .open
        .by_age
        .iter()
        .map(|(b, n)| minijinja::context! { label => b.label(), count => n })
        .collect();
    let by_state: Vec<_> = d
        .open
        .by_state
        .iter()
        .map(|(s, n)| minijinja::context! { label => s.label(), count => n })
        .collect();
    page(
        "dashboard.html",
        minijinja::context! {
            title => format!("Dashboard of {}", d.project.name),
            project => minijinja::context! { slug => d.project.slug.as_str(), name => d.project.name.clone() },
            response,
            window => dashboard::RESPONSE_WINDOW,
            open_total => d.open.total,
            by_age,
            by_state,
            charts => d.charts,
            ..base(Some(&user), &csrf)
        },
    )
}
