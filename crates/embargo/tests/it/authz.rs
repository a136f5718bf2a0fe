//! The authorization matrix: EVERY route of the router × every kind of caller, checked
//! against the permission table, plus every route that takes a project, report, advisory
//! or invitation id asked with the ids of ANOTHER project (always 404, never its data).
//!
//! The route list is read from the router's own source (`src/http/router.rs`) and must
//! equal [`ROUTES`]: a route added without a matrix entry makes this test fail. The
//! OpenAPI document's operations must all be in it too.
//!
//! "Allowed" means the request got past authorization (any answer but 401, 403, 404 or the
//! sign-in page; validation errors and conflicts count as allowed). "Denied" means 401,
//! 403, 404 or the sign-in page. Public routes give every caller the same status.

use super::*;
use domain::account::ProjectRole;
use serde_json::Value;
use std::collections::BTreeSet;

/// The title of the other project's report and draft advisory: no response to anyone but
/// that project's maintainer or an administrator may contain it.
const SECRET_B: &str = "Quokka ledger secret of the other project";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Admin,
    Maintainer,
    Triager,
    /// Invited to report A (accepted, live).
    Collaborator,
    /// Report A's reporter: the tracking token (the API's bearer; no web session).
    Reporter,
    /// Maintainer of the other project only.
    OtherMaintainer,
}
use Who::*;

const EVERYONE: [Who; 7] = [
    Anonymous,
    Admin,
    Maintainer,
    Triager,
    Collaborator,
    Reporter,
    OtherMaintainer,
];

#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Every caller gets the same answer (public pages, sign-in, links that are their own
    /// credential: tracking, setup and invitation links).
    Public,
    /// These callers get past authorization; all others are refused.
    Only(&'static [Who]),
}
use Rule::*;

/// `Permission::ReadReports` and `ActOnReports`: the project's members.
const MEMBERS: &[Who] = &[Admin, Maintainer, Triager];
/// `EditPolicy`, `Invite`, `Disclose`.
const MAINTAINERS: &[Who] = &[Admin, Maintainer];
const ADMIN: &[Who] = &[Admin];
const SIGNED_IN: &[Who] = &[Admin, Maintainer, Triager, Collaborator, OtherMaintainer];
/// `ReadReport` on the web (reporters read theirs on the tracking page) and `Score` /
/// `CommentInternal`.
const REPORT_PAGE: &[Who] = &[Admin, Maintainer, Triager, Collaborator];
/// `ReadReport` over the API.
const REPORT_API: &[Who] = &[Admin, Maintainer, Triager, Collaborator, Reporter];
/// Project members by role (not instance admins who hold no role in the project): their
/// own notification choices.
const ROLE_HOLDERS: &[Who] = &[Maintainer, Triager];
/// `Comment`: a message the reporter sees.
const TO_REPORTER: &[Who] = &[Admin, Maintainer, Triager, Reporter];

#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    /// A form; the caller's CSRF token is added.
    Form(&'static [(&'static str, &'static str)]),
    Json(&'static str),
}

#[derive(Debug)]
struct Route {
    method: &'static str,
    path: &'static str,
    rule: Rule,
    body: Body,
}

const fn r(method: &'static str, path: &'static str, rule: Rule, body: Body) -> Route {
    Route {
        method,
        path,
        rule,
        body,
    }
}

const REPORT_JSON: &str =
    r#"{"title":"Matrix report","description":"Reported while walking the matrix."}"#;
const SCORE_JSON: &str =
    r#"{"vector":"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","rationale":"matrix"}"#;
const SCORE_FORM: &[(&str, &str)] = &[
    ("vector", "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("rationale", "matrix"),
];

/// Every route, in the order walked (signing out last).
const ROUTES: &[Route] = &[
    // Public pages and files.
    r("GET", "/", Public, Body::None),
    r("GET", "/healthz", Public, Body::None),
    r("GET", "/static/style.css", Public, Body::None),
    r("GET", "/.well-known/security.txt", Public, Body::None),
    r("GET", "/p/{slug}/policy", Public, Body::None),
    r("GET", "/p/{slug}/SECURITY.md", Public, Body::None),
    r("GET", "/p/{slug}/security.txt", Public, Body::None),
    r("GET", "/security.txt", Public, Body::None),
    r("GET", "/p/{slug}/pgp-key.asc", Public, Body::None),
    r("GET", "/p/{slug}/signing-key.asc", Public, Body::None),
    r("GET", "/.well-known/openpgpkey/policy", Public, Body::None),
    r(
        "GET",
        "/.well-known/openpgpkey/hu/{hash}",
        Public,
        Body::None,
    ),
    r(
        "GET",
        "/.well-known/openpgpkey/{domain}/policy",
        Public,
        Body::None,
    ),
    r(
        "GET",
        "/.well-known/openpgpkey/{domain}/hu/{hash}",
        Public,
        Body::None,
    ),
    r("GET", "/p/{slug}/advisories", Public, Body::None),
    r("GET", "/p/{slug}/advisories.atom", Public, Body::None),
    r(
        "GET",
        "/p/{slug}/advisories/release-notes",
        Public,
        Body::None,
    ),
    r("GET", "/p/{slug}/advisories/{file}", Public, Body::None),
    r(
        "GET",
        "/.well-known/csaf/provider-metadata.json",
        Public,
        Body::None,
    ),
    r(
        "GET",
        "/.well-known/csaf/white/index.txt",
        Public,
        Body::None,
    ),
    r(
        "GET",
        "/.well-known/csaf/white/changes.csv",
        Public,
        Body::None,
    ),
    r(
        "GET",
        "/.well-known/csaf/white/{year}/{file}",
        Public,
        Body::None,
    ),
    // Reporters.
    r("GET", "/p/{slug}/report", Public, Body::None),
    r(
        "POST",
        "/p/{slug}/report",
        Public,
        Body::Form(&[("title", "")]),
    ),
    r("GET", "/track/{token}", Public, Body::None),
    r(
        "POST",
        "/track/{token}/messages",
        Public,
        Body::Form(&[("body", "More detail.")]),
    ),
    // Accounts.
    r("GET", "/login", Public, Body::None),
    r(
        "POST",
        "/login",
        Public,
        Body::Form(&[("email", "nobody@example.test"), ("password", "wrong")]),
    ),
    r("GET", "/setup/{token}", Public, Body::None),
    r("POST", "/setup/{token}", Public, Body::Form(&[])),
    r("GET", "/invitations/{token}", Public, Body::None),
    r("POST", "/invitations/{token}", Public, Body::Form(&[])),
    r("GET", "/join/{token}", Public, Body::None),
    r(
        "POST",
        "/join/{token}",
        Public,
        Body::Form(&[("name", "Matrix"), ("password", "not the password")]),
    ),
    // The inbox.
    r("GET", "/inbox", Only(SIGNED_IN), Body::None),
    r("GET", "/inbox/{slug}", Only(MEMBERS), Body::None),
    r(
        "GET",
        "/inbox/{slug}/reports/{number}",
        Only(REPORT_PAGE),
        Body::None,
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/triage/dismiss",
        Only(MEMBERS),
        Body::Form(&[("finding", "none"), ("reason", "matrix")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/acknowledge",
        Only(MEMBERS),
        Body::Form(&[("message", "")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/scores",
        Only(REPORT_PAGE),
        Body::Form(SCORE_FORM),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/assignee",
        Only(MEMBERS),
        Body::Form(&[("assignee", "")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/messages",
        Only(REPORT_PAGE),
        Body::Form(&[("body", "Internal note."), ("visibility", "internal")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/collaborators",
        Only(MAINTAINERS),
        Body::Form(&[("email", "matrix-html@example.test"), ("days", "3")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/collaborators/{id}/revoke",
        Only(MAINTAINERS),
        Body::Form(&[]),
    ),
    r("GET", "/inbox/{slug}/policy", Only(MAINTAINERS), Body::None),
    r(
        "POST",
        "/inbox/{slug}/policy",
        Only(MAINTAINERS),
        Body::Form(&[("version", "0"), ("policy", "x")]),
    ),
    r("GET", "/inbox/{slug}/advisories", Only(MEMBERS), Body::None),
    r(
        "POST",
        "/inbox/{slug}/advisories",
        Only(MEMBERS),
        Body::Form(&[("report", "999")]),
    ),
    r(
        "GET",
        "/inbox/{slug}/advisories/{id}",
        Only(MEMBERS),
        Body::None,
    ),
    r(
        "POST",
        "/inbox/{slug}/advisories/{id}",
        Only(MEMBERS),
        Body::Form(&[("version", "0"), ("advisory", "{}")]),
    ),
    r(
        "GET",
        "/inbox/{slug}/advisories/{id}/cve-packet",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "POST",
        "/inbox/{slug}/advisories/{id}/{action}",
        Only(MAINTAINERS),
        Body::Form(&[]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/transitions",
        Only(MEMBERS),
        Body::Form(&[("to", "sideways")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/public-bug",
        Only(MAINTAINERS),
        Body::Form(&[("assessment", "")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/extensions",
        Only(MAINTAINERS),
        Body::Form(&[("clock", "nope"), ("new_due", "x"), ("reason", "")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/block",
        Only(MAINTAINERS),
        Body::Form(&[]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/unblock",
        Only(MAINTAINERS),
        Body::Form(&[]),
    ),
    r(
        "POST",
        "/inbox/{slug}/reports/{number}/receipt",
        Only(MEMBERS),
        Body::Form(&[]),
    ),
    r("GET", "/inbox/{slug}/dashboard", Only(MEMBERS), Body::None),
    r("GET", "/inbox/{slug}/mail", Only(MEMBERS), Body::None),
    r(
        "GET",
        "/inbox/{slug}/mail/{id}/raw",
        Only(MEMBERS),
        Body::None,
    ),
    r(
        "GET",
        "/inbox/{slug}/mail-filters",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "POST",
        "/inbox/{slug}/mail-filters",
        Only(MAINTAINERS),
        Body::Form(&[
            ("id", "bad rule"),
            ("match", "nope"),
            ("pattern", "x"),
            ("action", "refuse"),
            ("note", ""),
        ]),
    ),
    r(
        "POST",
        "/inbox/{slug}/mail-filters/{rule}/delete",
        Only(MAINTAINERS),
        Body::Form(&[]),
    ),
    r("GET", "/inbox/{slug}/source", Only(MAINTAINERS), Body::None),
    r(
        "POST",
        "/inbox/{slug}/source",
        Only(MAINTAINERS),
        Body::Form(&[("action", "save"), ("kind", "git"), ("url", "")]),
    ),
    r(
        "GET",
        "/inbox/{slug}/webhooks",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "POST",
        "/inbox/{slug}/webhooks",
        Only(MAINTAINERS),
        Body::Form(&[("url", "ftp://nowhere")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/webhooks/secret",
        Only(MAINTAINERS),
        Body::Form(&[]),
    ),
    r(
        "POST",
        "/inbox/{slug}/webhooks/{id}/delete",
        Only(MAINTAINERS),
        Body::Form(&[]),
    ),
    // A project's people: triagers read the list; only maintainers change it. The bodies
    // are refused (422) or change nothing (an id that is no member or invitation).
    r("GET", "/inbox/{slug}/members", Only(MEMBERS), Body::None),
    r(
        "POST",
        "/inbox/{slug}/members",
        Only(MAINTAINERS),
        Body::Form(&[("email", "not an address"), ("role", "triager")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/members/{user_id}/role",
        Only(MAINTAINERS),
        Body::Form(&[("role", "owner")]),
    ),
    r(
        "POST",
        "/inbox/{slug}/members/{user_id}/remove",
        Only(MAINTAINERS),
        Body::Form(&[]),
    ),
    r(
        "POST",
        "/inbox/{slug}/members/invitations/{id}/revoke",
        Only(MAINTAINERS),
        Body::Form(&[]),
    ),
    r(
        "GET",
        "/settings/notifications",
        Only(SIGNED_IN),
        Body::None,
    ),
    r(
        "POST",
        "/settings/notifications/{slug}",
        Only(ROLE_HOLDERS),
        Body::Form(&[]),
    ),
    r("GET", "/projects/new", Only(ADMIN), Body::None),
    r(
        "POST",
        "/projects",
        Only(ADMIN),
        Body::Form(&[("slug", "")]),
    ),
    r("GET", "/admin/outbox", Only(ADMIN), Body::None),
    r("GET", "/admin/bans", Only(ADMIN), Body::None),
    r(
        "POST",
        "/admin/bans",
        Only(ADMIN),
        Body::Form(&[("kind", "nope"), ("pattern", "x")]),
    ),
    r(
        "POST",
        "/admin/bans/{ban}/delete",
        Only(ADMIN),
        Body::Form(&[]),
    ),
    // The API.
    r(
        "POST",
        "/api/v1/projects/{slug}/reports",
        Public,
        Body::Json(REPORT_JSON),
    ),
    r(
        "GET",
        "/api/v1/projects/{slug}/reports",
        Only(MEMBERS),
        Body::None,
    ),
    r(
        "GET",
        "/api/v1/projects/{slug}/mail",
        Only(MEMBERS),
        Body::None,
    ),
    r("GET", "/api/v1/audit", Only(ADMIN), Body::None),
    r("GET", "/api/v1/outbox", Only(ADMIN), Body::None),
    r("GET", "/api/v1/reports/{id}", Only(REPORT_API), Body::None),
    r(
        "GET",
        "/api/v1/reports/{id}/messages",
        Only(REPORT_API),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/transitions",
        Only(MEMBERS),
        Body::Json(r#"{"to":"acknowledged"}"#),
    ),
    r(
        "PUT",
        "/api/v1/reports/{id}/assignee",
        Only(MEMBERS),
        Body::Json(r#"{"assignee":null}"#),
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/messages",
        Only(TO_REPORTER),
        Body::Json(r#"{"body":"Hello","visibility":"reporter"}"#),
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/scores",
        Only(REPORT_PAGE),
        Body::Json(SCORE_JSON),
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/triage/dismissals",
        Only(MEMBERS),
        Body::Json(r#"{"finding":"none","reason":"matrix"}"#),
    ),
    r(
        "GET",
        "/api/v1/reports/{id}/collaborators",
        Only(MEMBERS),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/collaborators",
        Only(MAINTAINERS),
        Body::Json(r#"{"email":"matrix-api@example.test"}"#),
    ),
    r(
        "DELETE",
        "/api/v1/reports/{id}/collaborators/{collaborator}",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "GET",
        "/api/v1/projects/{slug}/advisories",
        Only(MEMBERS),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/projects/{slug}/advisories",
        Only(MEMBERS),
        Body::Json(r#"{"advisory":{"summary":"Matrix draft","details":"d"}}"#),
    ),
    r("GET", "/api/v1/advisories/{id}", Only(MEMBERS), Body::None),
    r(
        "PATCH",
        "/api/v1/advisories/{id}",
        Only(MEMBERS),
        Body::Json("{}"),
    ),
    r(
        "POST",
        "/api/v1/advisories/{id}/publish",
        Only(MAINTAINERS),
        Body::Json(r#"{"at":"2000-01-01T00:00:00Z"}"#),
    ),
    r(
        "POST",
        "/api/v1/advisories/{id}/withdraw",
        Only(MAINTAINERS),
        Body::Json(r#"{"reason":""}"#),
    ),
    r(
        "POST",
        "/api/v1/advisories/{id}/unschedule",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "GET",
        "/api/v1/advisories/{id}/cve-packet",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/advisories/{id}/cve/{action}",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/public-bug",
        Only(MAINTAINERS),
        Body::Json(r#"{"assessment":""}"#),
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/extensions",
        Only(MAINTAINERS),
        Body::Json(r#"{"clock":"nope","new_due":"x","reason":""}"#),
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/block",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "DELETE",
        "/api/v1/reports/{id}/block",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/reports/{id}/receipt",
        Only(MEMBERS),
        Body::None,
    ),
    r("GET", "/api/v1/admin/bans", Only(ADMIN), Body::None),
    r(
        "POST",
        "/api/v1/admin/bans",
        Only(ADMIN),
        Body::Json(r#"{"kind":"nope","pattern":"x"}"#),
    ),
    r(
        "DELETE",
        "/api/v1/admin/bans/{ban}",
        Only(ADMIN),
        Body::None,
    ),
    r(
        "GET",
        "/api/v1/me/notifications",
        Only(SIGNED_IN),
        Body::None,
    ),
    r(
        "PUT",
        "/api/v1/me/notifications/{slug}",
        Only(ROLE_HOLDERS),
        Body::Json("{}"),
    ),
    r(
        "GET",
        "/api/v1/projects/{slug}/mail-filters",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/projects/{slug}/mail-filters",
        Only(MAINTAINERS),
        Body::Json(r#"{"id":"bad rule","match":"nope","pattern":"x","action":"refuse","note":""}"#),
    ),
    r(
        "DELETE",
        "/api/v1/projects/{slug}/mail-filters/{rule}",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "GET",
        "/api/v1/projects/{slug}/source",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "PUT",
        "/api/v1/projects/{slug}/source",
        Only(MAINTAINERS),
        Body::Json(r#"{"kind":"git","url":""}"#),
    ),
    r(
        "DELETE",
        "/api/v1/projects/{slug}/source",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "GET",
        "/api/v1/projects/{slug}/members",
        Only(MEMBERS),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/projects/{slug}/members",
        Only(MAINTAINERS),
        Body::Json(r#"{"email":"not an address","role":"triager"}"#),
    ),
    r(
        "PUT",
        "/api/v1/projects/{slug}/members/{user_id}",
        Only(MAINTAINERS),
        Body::Json(r#"{"role":"owner"}"#),
    ),
    r(
        "DELETE",
        "/api/v1/projects/{slug}/members/{user_id}",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "GET",
        "/api/v1/projects/{slug}/webhooks",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/projects/{slug}/webhooks",
        Only(MAINTAINERS),
        Body::Json(r#"{"url":"ftp://nowhere","events":[]}"#),
    ),
    r(
        "POST",
        "/api/v1/projects/{slug}/webhooks/secret",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "GET",
        "/api/v1/projects/{slug}/webhooks/{id}/deliveries",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "DELETE",
        "/api/v1/projects/{slug}/webhooks/{id}",
        Only(MAINTAINERS),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/query",
        Public,
        Body::Json(r#"{"package":{"name":"printdesk","ecosystem":"PyPI"},"version":"1.0"}"#),
    ),
    r("GET", "/api/v1/openapi.json", Public, Body::None),
    // One's own account. Ids not one's own (`{session}`, `{token_id}` as written) change
    // nothing: the page forms redirect back, the API refuses the id as not a UUID.
    r("GET", "/password/forgot", Public, Body::None),
    r(
        "POST",
        "/password/forgot",
        Public,
        Body::Form(&[("email", "nobody@example.test")]),
    ),
    r("GET", "/password/reset/{reset}", Public, Body::None),
    r(
        "POST",
        "/password/reset/{reset}",
        Public,
        Body::Form(&[("password", "a long enough new passphrase")]),
    ),
    r("GET", "/account", Only(SIGNED_IN), Body::None),
    r(
        "POST",
        "/account/password",
        Only(SIGNED_IN),
        Body::Form(&[]),
    ),
    r(
        "POST",
        "/account/sessions/{session}/revoke",
        Only(SIGNED_IN),
        Body::Form(&[]),
    ),
    r(
        "POST",
        "/account/sessions/revoke-others",
        Only(SIGNED_IN),
        Body::Form(&[]),
    ),
    r(
        "POST",
        "/account/tokens",
        Only(SIGNED_IN),
        Body::Form(&[("name", "matrix")]),
    ),
    r(
        "POST",
        "/account/tokens/{token_id}/revoke",
        Only(SIGNED_IN),
        Body::Form(&[]),
    ),
    r("GET", "/api/v1/me/tokens", Only(SIGNED_IN), Body::None),
    r(
        "DELETE",
        "/api/v1/me/tokens/{token_id}",
        Only(SIGNED_IN),
        Body::None,
    ),
    r(
        "POST",
        "/api/v1/users/disable",
        Only(ADMIN),
        Body::Json(r#"{"email":"nobody@example.test"}"#),
    ),
    // Last: it ends the sessions.
    r("POST", "/logout", Public, Body::Form(&[])),
];

/// The routes the router declares, read from its source: `(METHOD, path)`. The API's
/// documented routes come from the same list as the OpenAPI document (`routes!` in
/// `api_routes`), so they are read from the document; its undocumented ones (`.route(`)
/// from the source.
fn router_routes() -> BTreeSet<(String, String)> {
    let src = include_str!("../../src/http/router.rs");
    let main = src
        .find("let mut router = Router::new()")
        .expect("the main router");
    let api = src.find("pub fn api_routes()").expect("the API route list");
    let api_end = api + src[api..].find("\n}\n").expect("end of the API route list");
    assert!(main < api, "the main router comes first in router.rs");
    let mut out = BTreeSet::new();
    let doc = serde_json::to_value(embargo::http::openapi::document()).expect("document");
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    for (section, prefix) in [(&src[api..api_end], "/api/v1"), (&src[main..api], "")] {
        let mut rest = section;
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let q1 = rest.find('"').expect("path literal");
            let q2 = q1 + 1 + rest[q1 + 1..].find('"').expect("path end");
            let path = &rest[q1 + 1..q2];
            let mut depth = 1;
            let mut end = rest.len();
            for (j, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let handlers = &rest[q2 + 1..end];
            for method in ["get", "post", "put", "patch", "delete"] {
                let call = format!("{method}(");
                let found = handlers.match_indices(&call).any(|(k, _)| {
                    k == 0
                        || !handlers[..k]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                });
                if found {
                    out.insert((method.to_uppercase(), format!("{prefix}{path}")));
                }
            }
            rest = &rest[end..];
        }
    }
    out
}

/// The ids a path is filled with: the project A callers belong to, or the other one.
#[derive(Debug, Clone)]
struct Ids {
    slug: String,
    number: i64,
    report: String,
    advisory: String,
    /// A pending invitation the revocation routes may end.
    invitation: String,
    /// A message that came in by mail.
    inbound: String,
    tracking: String,
}

fn fill(path: &str, ids: &Ids) -> String {
    let mut p = path
        .replace("{slug}", &ids.slug)
        .replace("{number}", &ids.number.to_string())
        .replace("{collaborator}", &ids.invitation)
        .replace("{hash}", "dizb37aqa5h4skgu7jf1xjr4q71w4paq")
        .replace("{domain}", "example.org")
        .replace("{ban}", "0190b3a0-0000-7000-8000-000000000000")
        .replace("{year}", "2026")
        .replace("{reset}", "rst_not-a-live-reset-link")
        // Nobody's user id: removing them changes nothing, a role for them is refused.
        .replace("{user_id}", "00000000-0000-7000-8000-00000000dead");
    p = if p.contains("/mail/{id}") {
        p.replace("{id}", &ids.inbound)
    } else if p.contains("/webhooks/{id}") {
        // Each caller removes an endpoint of its own (see `per_caller`).
        p
    } else if p.contains("/collaborators/{id}") {
        p.replace("{id}", &ids.invitation)
    } else if p.contains("/advisories/{id}") {
        p.replace("{id}", &ids.advisory)
    } else {
        p.replace("{id}", &ids.report)
    };
    p = if p.starts_with("/track/") {
        p.replace("{token}", &ids.tracking)
    } else if p.starts_with("/setup/") {
        p.replace("{token}", "set_not-a-live-setup-link")
    } else {
        p.replace("{token}", "inv_not-a-live-invitation")
    };
    p = if p.contains("/cve/{action}") {
        p.replace("{action}", "reserve")
    } else {
        p.replace("{action}", "unschedule")
    };
    p.replace("{file}", &format!("{}.osv.json", ids.advisory))
}

/// Fills what each caller needs its own of: a mail filter rule (`{rule}`) and a webhook
/// endpoint (`/webhooks/{id}`), so that every allowed caller's removal finds something to
/// remove. `webhooks` maps callers to project A's endpoints made for them.
fn per_caller(path: &str, who: Who, webhooks: &[(Who, String)]) -> String {
    let name = format!("{who:?}").to_lowercase();
    let rule = if path.starts_with("/inbox/") {
        format!("html-{name}")
    } else {
        format!("api-{name}")
    };
    let hook = webhooks
        .iter()
        .find(|(w, _)| *w == who)
        .map(|(_, id)| id.as_str())
        .unwrap_or("00000000-0000-0000-0000-000000000000");
    let hook = if path.starts_with("/inbox/") {
        // The page's delete form removes the second endpoint made for the caller.
        webhooks
            .iter()
            .filter(|(w, _)| *w == who)
            .nth(1)
            .map(|(_, id)| id.as_str())
            .unwrap_or(hook)
    } else {
        hook
    };
    path.replace("{rule}", &rule).replace("{id}", hook)
}

/// A caller: a cookie-keeping client (signed in or not) and its bearer token, if any.
struct Caller {
    who: Who,
    http: reqwest::Client,
    bearer: Option<String>,
    csrf: String,
}

async fn csrf_of(http: &reqwest::Client, base: &str) -> String {
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("html");
    hidden_field(&page, "csrf_token")
}

async fn signed_in(base: &str, email: &str) -> reqwest::Client {
    let http = client();
    let csrf = csrf_of(&http, base).await;
    let res = http
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/inbox"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303, "{email} signs in");
    http
}

async fn create_user(app: &TestApp, email: &str) -> String {
    let (code, _, err) = app
        .cli(
            &[
                "admin",
                "create-user",
                "--email",
                email,
                "--name",
                email,
                "--password-stdin",
            ],
            PASSWORD,
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = app
        .cli(&["admin", "create-token", "--email", email], "")
        .await;
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

async fn set_role(app: &TestApp, email: &str, slug: &str, role: ProjectRole) {
    let store = app.db.store().await;
    let project = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse(slug).expect("slug"),
    )
    .await
    .expect("project")
    .expect("exists");
    let (user, _) = store::accounts::credentials(&mut store.read().await.expect("read"), email)
        .await
        .expect("user")
        .expect("exists");
    let mut tx = store.begin().await.expect("begin");
    store::members::set(&mut tx, project.id, user.id, role)
        .await
        .expect("member");
    tx.commit().await.expect("commit");
    store.close().await;
}

/// Stores an invitation to `report` for `email`; accepted by that user when `accept`.
async fn invitation(app: &TestApp, report: &str, email: &str, accept: bool) -> String {
    let store = app.db.store().await;
    let report = domain::ReportId(report.parse().expect("uuid"));
    let (admin, _) =
        store::accounts::credentials(&mut store.read().await.expect("read"), "admin@example.test")
            .await
            .expect("admin")
            .expect("exists");
    let now = jiff::Timestamp::now();
    let token_hash = format!("matrix-{}", uuid::Uuid::new_v4());
    let new = store::NewCollaborator {
        id: uuid::Uuid::now_v7(),
        report,
        email: domain::EmailAddress::parse("email", email).expect("address"),
        note: None,
        token_hash: token_hash.clone(),
        invited_by: admin.id,
        invited_at: now,
        expires_at: now + jiff::SignedDuration::from_hours(24 * 14),
    };
    let mail = store::NewEmail {
        id: uuid::Uuid::now_v7(),
        to: email.to_owned(),
        subject: "Invitation".into(),
        body_text: "Invitation".into(),
        report: Some(report),
        created_at: now,
        auto_submitted: None,
    };
    let accepted_by = if accept {
        let (user, _) = store::accounts::credentials(&mut store.read().await.expect("read"), email)
            .await
            .expect("user")
            .expect("exists");
        Some(user.id)
    } else {
        None
    };
    let mut tx = store.begin().await.expect("begin");
    store::collaborators::insert(&mut tx, &new)
        .await
        .expect("invite");
    store::outbox::queue(&mut tx, &mail).await.expect("mail");
    if let Some(user) = accepted_by {
        store::collaborators::accept(&mut tx, &token_hash, user, now)
            .await
            .expect("accept")
            .expect("pending");
    }
    tx.commit().await.expect("commit");
    store.close().await;
    new.id.to_string()
}

async fn post_json(http: &reqwest::Client, url: String, token: &str, body: Value) -> Value {
    let res = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.expect("json")
}

/// How a refusal must look, by the project's conventions: the sign-in page (or 401 over
/// the API) for callers without a session; 404 for anyone without a role on the project
/// (its existence is not confirmed); 403 for a role that sees the thing but may not do
/// this (a triager on a maintainer's action, a collaborator on their report's other
/// actions, a member on an administrator's page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Denial {
    Login,
    Status(u16),
    /// The reporter's token over the API: 403 (not a maintainer's token) or 404.
    Refused,
}

fn expected_denial(path: &str, who: Who) -> Denial {
    let api = path.starts_with("/api/");
    let report_scoped = path.contains("{number}") || path.starts_with("/api/v1/reports/{id}");
    let project_scoped = path.contains("{slug}") || path.contains("{id}");
    match who {
        Anonymous if api => Denial::Status(401),
        Anonymous => Denial::Login,
        Reporter if api => Denial::Refused,
        Reporter => Denial::Login,
        OtherMaintainer if project_scoped => Denial::Status(404),
        // One's own choices for a project one holds no role in: no such project for them.
        Admin if path.contains("/notifications/") => Denial::Status(404),
        Collaborator if report_scoped => Denial::Status(403),
        Collaborator if project_scoped => Denial::Status(404),
        _ => Denial::Status(403),
    }
}

/// What one request got.
struct Answer {
    status: u16,
    location: String,
    body: String,
}

impl Answer {
    fn denied(&self) -> bool {
        matches!(self.status, 401 | 403 | 404) || self.is_login()
    }

    fn is_login(&self) -> bool {
        (300..400).contains(&self.status) && self.location.starts_with("/login")
    }

    fn is(&self, denial: Denial) -> bool {
        match denial {
            Denial::Login => self.is_login(),
            Denial::Status(s) => self.status == s,
            Denial::Refused => matches!(self.status, 403 | 404),
        }
    }
}

async fn send(base: &str, caller: &Caller, method: &str, path: &str, body: Body) -> Answer {
    let url = format!("{base}{path}");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = caller.http.request(method, url);
    if let Some(token) = &caller.bearer {
        req = req.bearer_auth(token);
    }
    req = match body {
        Body::None => req,
        Body::Json(text) => req
            .header("content-type", "application/json")
            .body(text.to_owned()),
        Body::Form(fields) => {
            let mut all: Vec<(&str, &str)> = vec![("csrf_token", caller.csrf.as_str())];
            all.extend_from_slice(fields);
            req.form(&all)
        }
    };
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.text().await.unwrap_or_default();
    Answer {
        status,
        location,
        body,
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_permission_table_says() {
    // The route list first: cheap, and the most likely failure after adding a route.
    let declared = router_routes();
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(
        listed.len(),
        ROUTES.len(),
        "a route is listed twice in the matrix"
    );
    let missing: Vec<_> = declared.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&declared).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "the matrix must list exactly the router's routes; not in the matrix: {missing:?}; not in the router: {stale:?}"
    );
    assert!(declared.len() > 70, "the router's source was read");

    let backends: Vec<Backend> =
        if std::env::var("EMBARGO_AUTHZ_ALL_BACKENDS").is_ok_and(|v| v == "1") {
            Backend::all()
        } else {
            vec![Backend::Sqlite]
        };
    for backend in backends {
        matrix(backend).await;
    }
}

async fn matrix(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let (code, _, err) = app
        .cli(
            &[
                "project",
                "create",
                "--slug",
                "other",
                "--name",
                "Other",
                "--contact",
                "mailto:sec@other.example",
            ],
            "",
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let admin_token = app.api_token().await;
    let maintainer_token = create_user(&app, "maint@example.test").await;
    set_role(&app, "maint@example.test", "demo", ProjectRole::Maintainer).await;
    let triager_token = create_user(&app, "tri@example.test").await;
    set_role(&app, "tri@example.test", "demo", ProjectRole::Triager).await;
    let other_token = create_user(&app, "other@example.test").await;
    set_role(&app, "other@example.test", "other", ProjectRole::Maintainer).await;
    let friend_token = create_user(&app, "friend@example.test").await;
    create_user(&app, "spare-b@example.test").await;
    let base = app.url.as_str();
    let http = client();
    let submit = |slug: &str, title: &str| {
        let mut report = sample_report(title);
        report["reporter"]["email"] = Value::Null;
        post_json(
            &http,
            format!("{base}/api/v1/projects/{slug}/reports"),
            "",
            report,
        )
    };
    let a = submit("demo", "Matrix report A").await;
    let b = submit("other", SECRET_B).await;
    let advisory_a = post_json(
        &http,
        format!("{base}/api/v1/projects/demo/advisories"),
        &admin_token,
        serde_json::json!({ "advisory": { "summary": "Draft of project A", "details": "d" } }),
    )
    .await;
    let advisory_b = post_json(
        &http,
        format!("{base}/api/v1/projects/other/advisories"),
        &admin_token,
        serde_json::json!({ "advisory": { "summary": SECRET_B, "details": SECRET_B } }),
    )
    .await;
    let text = |v: &Value, k: &str| v[k].as_str().expect(k).to_owned();
    let inbound = async |slug: &str, to: &str| {
        let message = format!(
            "From: Someone <someone@example.net>\r\nTo: {to}\r\nSubject: Matrix mail\r\n\
             Message-ID: <matrix-{slug}@example.net>\r\n\r\nA report by mail.\r\n"
        );
        let (code, _, err) = app.cli(&["ingest-mail", "--project", slug], &message).await;
        assert_eq!(code, 0, "{err}");
        let store = app.db.store().await;
        let project = store::projects::by_slug(
            &mut store.read().await.expect("read"),
            &domain::ProjectSlug::parse(slug).expect("slug"),
        )
        .await
        .expect("project")
        .expect("exists");
        let id = store::inbound::of_project(&mut store.read().await.expect("read"), project.id, 10)
            .await
            .expect("inbound")[0]
            .id
            .to_string();
        store.close().await;
        id
    };
    let inbound_a = inbound("demo", "security@printdesk.example").await;
    let inbound_b = inbound("other", "sec@other.example").await;
    invitation(&app, &text(&a, "id"), "friend@example.test", true).await;
    let ids_a = Ids {
        slug: "demo".into(),
        number: a["number"].as_i64().expect("number"),
        report: text(&a, "id"),
        advisory: text(&advisory_a, "id"),
        invitation: invitation(&app, &text(&a, "id"), "spare-a@example.test", false).await,
        tracking: text(&a, "token"),
        inbound: inbound_a,
    };
    let ids_b = Ids {
        slug: "other".into(),
        number: b["number"].as_i64().expect("number"),
        report: text(&b, "id"),
        advisory: text(&advisory_b, "id"),
        invitation: invitation(&app, &text(&b, "id"), "spare-b@example.test", true).await,
        tracking: text(&b, "token"),
        inbound: inbound_b,
    };

    // A mail filter rule and two webhook endpoints of project A for each caller to remove.
    let mut webhooks: Vec<(Who, String)> = Vec::new();
    for who in EVERYONE {
        let name = format!("{who:?}").to_lowercase();
        for prefix in ["api", "html"] {
            post_json(
                &http,
                format!("{base}/api/v1/projects/demo/mail-filters"),
                &admin_token,
                serde_json::json!({
                    "id": format!("{prefix}-{name}"), "match": "sender_address",
                    "pattern": format!("{prefix}-{name}@junk.example"), "action": "refuse",
                    "note": "matrix",
                }),
            )
            .await;
            let hook = post_json(
                &http,
                format!("{base}/api/v1/projects/demo/webhooks"),
                &admin_token,
                serde_json::json!({
                    "url": format!("http://127.0.0.1:9/{prefix}-{name}"),
                    "events": ["score.added"],
                }),
            )
            .await;
            webhooks.push((who, text(&hook["endpoint"], "id")));
        }
    }

    let mut callers = Vec::new();
    for who in EVERYONE {
        let (http, bearer) = match who {
            Anonymous => (client(), None),
            Admin => (
                signed_in(base, "admin@example.test").await,
                Some(admin_token.clone()),
            ),
            Maintainer => (
                signed_in(base, "maint@example.test").await,
                Some(maintainer_token.clone()),
            ),
            Triager => (
                signed_in(base, "tri@example.test").await,
                Some(triager_token.clone()),
            ),
            Collaborator => (
                signed_in(base, "friend@example.test").await,
                Some(friend_token.clone()),
            ),
            Reporter => (client(), Some(ids_a.tracking.clone())),
            OtherMaintainer => (
                signed_in(base, "other@example.test").await,
                Some(other_token.clone()),
            ),
        };
        let csrf = csrf_of(&http, base).await;
        callers.push(Caller {
            who,
            http,
            bearer,
            csrf,
        });
    }

    // Every operation of the OpenAPI document is a route of the matrix.
    let doc: Value = http
        .get(format!("{base}/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            assert!(
                listed.contains(&(method.to_uppercase(), path.clone())),
                "{method} {path} is documented but not in the matrix"
            );
        }
    }

    let mut failures = Vec::new();
    for route in ROUTES {
        let path = fill(route.path, &ids_a);
        let mut public_status: Option<(Who, u16)> = None;
        for caller in &callers {
            let path = per_caller(&path, caller.who, &webhooks);
            let answer = send(base, caller, route.method, &path, route.body).await;
            let at = format!("{} {path} as {:?}", route.method, caller.who);
            if answer.status >= 500 {
                failures.push(format!("{at}: {} {}", answer.status, answer.body));
                continue;
            }
            if !matches!(caller.who, Admin | OtherMaintainer) && answer.body.contains(SECRET_B) {
                failures.push(format!("{at}: the other project's secret in the body"));
            }
            match route.rule {
                Public => match public_status {
                    None => public_status = Some((caller.who, answer.status)),
                    Some((first, status)) if status != answer.status => failures.push(format!(
                        "{at}: public route answered {} here, {status} to {first:?}",
                        answer.status
                    )),
                    Some(_) => {}
                },
                Only(allowed) => {
                    let should = allowed.contains(&caller.who);
                    if should && answer.denied() {
                        failures.push(format!(
                            "{at}: should be allowed, got {} {} {}",
                            answer.status,
                            answer.location,
                            answer.body.chars().take(200).collect::<String>()
                        ));
                    } else if !should && !answer.is(expected_denial(route.path, caller.who)) {
                        failures.push(format!(
                            "{at}: should be denied with {:?}, got {} {} {}",
                            expected_denial(route.path, caller.who),
                            answer.status,
                            answer.location,
                            answer.body.chars().take(200).collect::<String>()
                        ));
                    }
                }
            }
        }
        // The same route with the other project's ids: project A's people learn nothing.
        let scoped = ["{slug}", "{number}", "{id}", "{collaborator}", "{rule}"]
            .iter()
            .any(|p| route.path.contains(p));
        if matches!(route.rule, Only(_)) && scoped {
            let path_b = fill(route.path, &ids_b);
            for caller in callers
                .iter()
                .filter(|c| matches!(c.who, Maintainer | Triager | Collaborator | Reporter))
            {
                let path = per_caller(&path_b, caller.who, &webhooks);
                let answer = send(base, caller, route.method, &path, route.body).await;
                let at = format!(
                    "{} {path} (other project) as {:?}",
                    route.method, caller.who
                );
                if answer.body.contains(SECRET_B) {
                    failures.push(format!("{at}: the other project's secret in the body"));
                }
                let ok = if caller.who == Reporter {
                    answer.denied()
                } else {
                    answer.status == 404
                };
                if !ok {
                    failures.push(format!(
                        "{at}: expected 404, got {} {}",
                        answer.status,
                        answer.body.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} authorization failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    app.stop().await.expect("graceful stop");
}
