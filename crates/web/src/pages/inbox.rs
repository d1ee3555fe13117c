//! The inbox page (站内消息): the notices addressed to the user's organisation
//! or government unit.
//!
//! Guarantees: a user lists, opens and marks read only the notices addressed to
//! them (`duijie_store::inbox` filters by the principal in SQL); a notice that
//! is not theirs answers 404 like a missing one. Opening a notice is a
//! CSRF-checked POST that marks it read and then redirects only to a path on
//! this site ([`safe_link`]), never elsewhere. Reading notices is not audited:
//! they are messages, not records.

use super::{Layout, done, fmt_time};
use crate::auth::{CurrentUser, Posted};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use duijie_store::inbox;

pub fn router() -> Router<AppState> {
    Router::new().route("/inbox", get(list)).route("/inbox/read-all", post(read_all)).route("/inbox/{id}/read", post(read))
}

/// The notice's link if it is a path on this site (`/…`), else `None`.
///
/// Refuses scheme-relative (`//host`) and backslash forms (`/\host`, which
/// browsers treat like `//`), and control characters, so that opening a notice
/// can never send the user to another site.
pub fn safe_link(link: &str) -> Option<&str> {
    let ok = link.starts_with('/') && !link.starts_with("//") && !link.contains('\\') && !link.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(link)
}

/// A `Location` value for a safe link: bytes outside ASCII percent-encoded, so
/// that `/orgs?q=教育` becomes a valid header.
fn location(link: &str) -> String {
    let mut out = String::with_capacity(link.len());
    for c in link.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

const PAGE_SIZE: i64 = 20;

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    /// `unread` for the 未读 tab; anything else shows all.
    #[serde(default)]
    tab: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

struct NoticeRow {
    index: i64,
    id: i64,
    title: String,
    body: String,
    time: String,
    unread: bool,
    /// Whether the notice leads somewhere (查看) or only can be marked read.
    has_link: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    unread_only: bool,
    rows: Vec<NoticeRow>,
    total: i64,
    page: i64,
    pages: i64,
}

impl InboxPage {
    /// The query string for the current tab (empty for 全部).
    fn tab_qs(&self) -> &'static str {
        if self.unread_only { "tab=unread&" } else { "" }
    }
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<InboxPage, AppError> {
    let unread_only = q.tab.as_deref() == Some("unread");
    let asked = q.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).unwrap_or(1).clamp(1, 100_000);
    let (mut items, total) = inbox::list(&state.db, &cu.principal, unread_only, PAGE_SIZE, (asked - 1) * PAGE_SIZE).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    // A page past the end (an old link, a typed number) shows the last page.
    let page = asked.min(pages);
    if page < asked {
        items = inbox::list(&state.db, &cu.principal, unread_only, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?.0;
    }
    let rows = items
        .into_iter()
        .enumerate()
        .map(|(i, n)| NoticeRow {
            index: (page - 1) * PAGE_SIZE + i as i64 + 1,
            id: n.id,
            has_link: safe_link(&n.link).is_some(),
            title: n.title,
            body: n.body,
            time: fmt_time(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(InboxPage { layout: Layout::new(&state, &cu, "inbox", q.ok).await, unread_only, rows, total, page, pages })
}

#[derive(serde::Deserialize)]
struct Empty {}

/// Marks the notice read and follows its link (only a path on this site).
async fn read(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<Empty>) -> Result<Response, AppError> {
    let who = &p.user.principal;
    let notice = duijie_app::inbox::open(&state.db, who, id).await?;
    Ok(Redirect::to(&location(safe_link(&notice.link).unwrap_or("/inbox"))).into_response())
}

#[derive(serde::Deserialize)]
struct ReadAllForm {
    #[serde(default)]
    tab: String,
}

async fn read_all(State(state): State<AppState>, p: Posted<ReadAllForm>) -> Result<Response, AppError> {
    inbox::mark_all_read(&state.db, &p.user.principal).await?;
    let back = if p.form.tab == "unread" { "/inbox?tab=unread" } else { "/inbox" };
    Ok(done(back, "已全部标为已读"))
}

#[cfg(test)]
mod tests {
    use super::{location, safe_link};

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(safe_link("/pairing/12"), Some("/pairing/12"));
        assert_eq!(safe_link("/orgs?q=教育"), Some("/orgs?q=教育"));
        for bad in ["", "pairing/12", "https://example.com/", "//example.com", "/\\example.com", "\\\\example.com", "javascript:alert(1)", "/a\r\nLocation: x", "/ //x"] {
            assert_eq!(safe_link(bad), None, "{bad:?}");
        }
        assert_eq!(location("/orgs?q=教育"), "/orgs?q=%E6%95%99%E8%82%B2");
    }
}
