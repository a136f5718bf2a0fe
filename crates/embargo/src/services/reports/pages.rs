//! A project's reports a page at a time, for the reports API and the inbox: the caller's
//! filters, search, sort and cursor checked (a bad value is refused naming its field), one
//! indexed page query, and the inbox's tabs counted by indexed `COUNT`s.

use crate::AppState;
use crate::services::{Result, ServiceError, projects};
use base64::Engine as _;
use domain::{
    account::{Permission, User},
    project::Project,
    report::State,
};
use store::report_pages::{After, Assignee, Filter, PageQuery, ReportRow, Sort};

/// How many reports a page lists when the caller does not say.
pub const DEFAULT_PAGE: i64 = 50;
/// The most reports one page lists.
pub const MAX_PAGE: i64 = 500;
/// The longest search accepted, in characters.
pub const MAX_SEARCH: usize = 200;

/// What a caller asks of a list of reports, as it came (a query string): checked here, so a
/// bad value is refused naming its field.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// One state, several separated by commas, `open` (not closed or disclosed) or `closed`
    /// (closed or disclosed).
    pub state: Option<String>,
    pub label: Option<String>,
    pub verdict: Option<String>,
    /// Words the report's title or text must all hold.
    pub q: Option<String>,
    /// `received` (newest first, the default), `due` (soonest first) or `severity`.
    pub sort: Option<String>,
    /// `true`: only reports whose acknowledgement is overdue.
    pub overdue: Option<String>,
    /// `true`: only likely junk; `false`: none of it.
    pub junk: Option<String>,
    /// `me` (the caller), `none` (nobody), or a member's e-mail address.
    pub assigned: Option<String>,
}

/// One page of a project's reports and where the next one starts (`None`: this was the last).
#[derive(Debug, Clone)]
pub struct ReportList {
    pub project: Project,
    pub items: Vec<ReportRow>,
    pub next_cursor: Option<String>,
}

/// A list's `limit` as the caller wrote it: [`DEFAULT_PAGE`] when absent, else a whole number
/// from 1 to [`MAX_PAGE`] (refused naming `limit`).
pub fn page_limit(limit: Option<&str>) -> Result<i64> {
    match limit {
        None | Some("") => Ok(DEFAULT_PAGE),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                ServiceError::field(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_PAGE}"),
                )
            }),
    }
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The states an `open` filter covers.
pub fn open_states() -> Vec<State> {
    State::ALL
        .into_iter()
        .filter(|s| domain::workflow::is_open(*s))
        .collect()
}

/// The states a `closed` filter covers.
pub fn closed_states() -> Vec<State> {
    vec![State::Disclosed, State::Closed]
}

fn states(v: &str) -> Result<Vec<State>> {
    match v {
        "open" => return Ok(open_states()),
        "closed" => return Ok(closed_states()),
        _ => {}
    }
    let mut out = Vec::new();
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let s = State::parse(part).ok_or_else(|| {
            ServiceError::field(
                "state",
                "must be open, closed, or one or more (separated by commas) of received, \
                 acknowledged, needs_info, accepted, fixing, fixed, disclosed, closed",
            )
        })?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

fn flag(field: &str, v: Option<&str>) -> Result<Option<bool>> {
    match v {
        None => Ok(None),
        Some("true" | "1" | "yes") => Ok(Some(true)),
        Some("false" | "0" | "no") => Ok(Some(false)),
        Some(_) => Err(ServiceError::field(field, "must be true or false")),
    }
}

/// The sort a caller names.
pub fn sort(v: Option<&str>) -> Result<Sort> {
    match v {
        None | Some("received") => Ok(Sort::Received),
        Some("due") => Ok(Sort::Due),
        Some("severity") => Ok(Sort::Severity),
        Some(_) => Err(ServiceError::field(
            "sort",
            "must be received, due or severity",
        )),
    }
}

fn sort_tag(sort: Sort) -> &'static str {
    match sort {
        Sort::Received => "r",
        Sort::Due => "d",
        Sort::Severity => "s",
    }
}

/// The opaque cursor of a page that ends at `after` in `sort`: the sort and its key, so a
/// cursor of one sort is refused by another.
pub fn encode_cursor(sort: Sort, after: After) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
        "{}:{}:{}",
        sort_tag(sort),
        after.key,
        after.number
    ))
}

/// Reads a cursor [`encode_cursor`] gave out for `sort`; anything else is refused naming
/// `cursor`.
pub fn decode_cursor(sort: Sort, cursor: &str) -> Result<After> {
    let refuse = || ServiceError::field("cursor", "is not a cursor this list gave out");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| refuse())?;
    let text = String::from_utf8(bytes).map_err(|_| refuse())?;
    let mut parts = text.split(':');
    let (Some(tag), Some(key), Some(number), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refuse());
    };
    if tag != sort_tag(sort) {
        return Err(ServiceError::field(
            "cursor",
            "belongs to another sort: start again from the first page",
        ));
    }
    let key: i64 = key.parse().map_err(|_| refuse())?;
    let number: i64 = number.parse().ok().filter(|n| *n > 0).ok_or_else(refuse)?;
    Ok(After { key, number })
}

impl ListParams {
    /// The filter, sort and start these parameters ask for, at `now` (for `overdue`).
    pub fn query(&self, now: jiff::Timestamp) -> Result<PageQuery> {
        let limit = page_limit(self.limit.as_deref())?;
        let sort = sort(blank(&self.sort))?;
        let after = blank(&self.cursor)
            .map(|c| decode_cursor(sort, c))
            .transpose()?;
        let states = blank(&self.state)
            .map(states)
            .transpose()?
            .unwrap_or_default();
        let label = blank(&self.label)
            .map(|v| {
                triage::Label::parse(v).ok_or_else(|| {
                    ServiceError::field(
                        "label",
                        "must be one of valid, ai_slop, beg_bounty, non_qualifying, duplicate",
                    )
                })
            })
            .transpose()?;
        let verdict = blank(&self.verdict)
            .map(|v| {
                triage::Verdict::parse(v).ok_or_else(|| {
                    ServiceError::field(
                        "verdict",
                        "must be one of likely_valid, needs_review, likely_invalid",
                    )
                })
            })
            .transpose()?;
        let overdue = flag("overdue", blank(&self.overdue))?;
        let likely_junk = flag("junk", blank(&self.junk))?;
        let search = match blank(&self.q) {
            Some(q) if q.chars().count() > MAX_SEARCH => {
                return Err(ServiceError::field(
                    "q",
                    format!("is longer than {MAX_SEARCH} characters"),
                ));
            }
            q => q.map(str::to_owned),
        };
        Ok(PageQuery {
            filter: Filter {
                states,
                label,
                verdict,
                overdue_at: (overdue == Some(true)).then_some(now),
                likely_junk,
                search,
                assignee: None,
            },
            sort,
            after,
            limit,
        })
    }
}

/// A page of a project's reports for its maintainers and triagers: one indexed range read
/// of at most `limit + 1` rows, whatever the project's size.
pub async fn page(
    state: &AppState,
    user: &User,
    slug: &str,
    params: &ListParams,
) -> Result<ReportList> {
    let mut query = params.query(state.now())?;
    let (project, _) = projects::for_user(state, user, slug, Permission::ReadReports).await?;
    query.filter.assignee = assigned(state, user, &project, params.assigned.as_deref()).await?;
    page_of(state, project, query).await
}

/// The `assigned` filter: `me`, `none`, or the address of one of the project's members.
async fn assigned(
    state: &AppState,
    user: &User,
    project: &Project,
    v: Option<&str>,
) -> Result<Option<Assignee>> {
    let refuse = || {
        ServiceError::field(
            "assigned",
            "must be me, none, or the e-mail address of a maintainer or triager of this project",
        )
    };
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some("me") => Ok(Some(Assignee::User(user.id))),
        Some("none") => Ok(Some(Assignee::Nobody)),
        Some(address) => super::assign::member_by_address(state, project.id, address)
            .await?
            .map(|member| Some(Assignee::User(member.id)))
            .ok_or_else(refuse),
    }
}

/// [`page`] for a project the caller may read, with a checked query.
pub async fn page_of(state: &AppState, project: Project, query: PageQuery) -> Result<ReportList> {
    let limit = query.limit;
    let mut items = store::report_pages::page(
        &mut *state.db.read().await?,
        project.id,
        &PageQuery {
            limit: limit + 1,
            ..query.clone()
        },
    )
    .await?;
    let more = i64::try_from(items.len()).unwrap_or(i64::MAX) > limit;
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = more
        .then(|| {
            items
                .last()
                .map(|r| encode_cursor(query.sort, r.after(query.sort)))
        })
        .flatten();
    Ok(ReportList {
        project,
        items,
        next_cursor,
    })
}

/// The inbox's tabs: each a filter over the project's reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    All,
    Awaiting,
    Overdue,
    Open,
    Junk,
    Closed,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Self::All,
        Self::Awaiting,
        Self::Overdue,
        Self::Open,
        Self::Junk,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Awaiting => "awaiting",
            Self::Overdue => "overdue",
            Self::Open => "open",
            Self::Junk => "junk",
            Self::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::Awaiting => "Awaiting acknowledgement",
            Self::Overdue => "Overdue",
            Self::Open => "Open",
            Self::Junk => "Likely junk",
            Self::Closed => "Closed",
        }
    }

    /// The tab a caller names; anything else is refused naming `tab`.
    pub fn parse(v: Option<&str>) -> Result<Self> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(Self::All),
            Some(v) => Self::ALL
                .into_iter()
                .find(|t| t.as_str() == v)
                .ok_or_else(|| {
                    ServiceError::field(
                        "tab",
                        "must be one of all, awaiting, overdue, open, junk, closed",
                    )
                }),
        }
    }

    /// The list parameters this tab sets (the caller's own come on top).
    pub fn params(self) -> ListParams {
        let set = |v: &str| Some(v.to_owned());
        match self {
            Self::All => ListParams::default(),
            Self::Awaiting => ListParams {
                state: set("received"),
                ..ListParams::default()
            },
            Self::Overdue => ListParams {
                overdue: set("true"),
                ..ListParams::default()
            },
            Self::Open => ListParams {
                state: set("open"),
                ..ListParams::default()
            },
            Self::Junk => ListParams {
                junk: set("true"),
                ..ListParams::default()
            },
            Self::Closed => ListParams {
                state: set("closed"),
                ..ListParams::default()
            },
        }
    }
}

/// How many of the project's reports each tab holds: one indexed `COUNT` per tab.
pub async fn tab_counts(state: &AppState, project: &Project) -> Result<Vec<(Tab, i64)>> {
    let now = state.now();
    let mut c = state.db.read().await?;
    let mut out = Vec::with_capacity(Tab::ALL.len());
    for tab in Tab::ALL {
        let filter = tab.params().query(now)?.filter;
        out.push((
            tab,
            store::report_pages::count(&mut c, project.id, &filter).await?,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let after = After {
            key: -1,
            number: 42,
        };
        let c = encode_cursor(Sort::Severity, after);
        assert_eq!(decode_cursor(Sort::Severity, &c).ok(), Some(after));
        assert!(
            decode_cursor(Sort::Due, &c).is_err(),
            "another sort's cursor"
        );
        for bad in ["", "nope", "42", "cjo0Mg", "%%%", "ZDp4OjE"] {
            assert!(decode_cursor(Sort::Received, bad).is_err(), "{bad}");
        }
        // r:0:0 — a number that no report has.
        assert!(decode_cursor(Sort::Received, "cjowOjA").is_err());
    }

    #[test]
    fn states_take_one_several_open_or_closed() {
        assert_eq!(
            states("received, fixed").ok(),
            Some(vec![State::Received, State::Fixed])
        );
        assert_eq!(states("open").ok().map(|s| s.len()), Some(6));
        assert_eq!(
            states("closed").ok(),
            Some(vec![State::Disclosed, State::Closed])
        );
        assert!(states("opened").is_err());
    }
}
