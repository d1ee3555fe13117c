//! The inbox (站内消息) through the pages and the API: each user sees only the
//! notices addressed to their organisation or unit, opening one marks it read
//! and follows its link on this site only.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`).

use crate::support::{App, both};
use axum::http::StatusCode;
use duijie_store::inbox::{self, Notice, Recipient};

both!(
    a_notice_shows_only_to_its_recipient_and_opening_it_marks_it_read,
    links_leave_the_site_never_and_all_can_be_marked_read,
    the_api_lists_and_marks_only_the_callers_notices,
    a_page_past_the_end_shows_the_last_page,
    a_submitted_demand_reaches_its_approvers_inbox_and_todo,
);

/// The app with its demo data's notices removed, so that every inbox starts empty.
async fn with_empty_inboxes(a: App) -> App {
    duijie_store::on_db_exec!(&a.t.db, p => sqlx::query("DELETE FROM notifications").execute(p).await).unwrap();
    a
}

async fn principal_of(a: &App, username: &str) -> duijie_domain::Principal {
    duijie_store::users::by_username(&a.t.db, username).await.unwrap().unwrap().principal()
}

/// Adds a notice as the pairing code does, inside a transaction; returns its id
/// as seen by `reader`.
async fn notify(a: &App, to: Recipient, title: &str, link: &str, reader: &str) -> i64 {
    let mut tx = a.t.db.begin().await.unwrap();
    let n = Notice { kind: "pairing.proposed".into(), title: title.into(), body: format!("{title}：请在签约期限前处理。"), link: link.into(), dedup_key: None };
    assert!(inbox::notify(&mut tx, &to, &n).await.unwrap());
    tx.commit().await.unwrap();
    let who = principal_of(a, reader).await;
    inbox::list(&a.t.db, &who, false, 100, 0).await.unwrap().0.into_iter().find(|x| x.title == title).expect("the reader sees it").id
}

async fn org_of(a: &App, username: &str) -> Recipient {
    Recipient::Org(principal_of(a, username).await.org_id().expect("organisation user"))
}

/// The unread badge in the menu, if shown.
fn badge(html: &str) -> Option<String> {
    let marker = "id=\"unread-count\">";
    html.find(marker).map(|i| html[i + marker.len()..].split('<').next().unwrap_or("").to_string())
}

async fn a_notice_shows_only_to_its_recipient_and_opening_it_marks_it_read(a: App) {
    let a = with_empty_inboxes(a).await;
    let (org, org_csrf) = a.login("org_yl").await;
    let (other, other_csrf) = a.login("org_yn").await;
    assert_eq!(badge(&a.get("/dashboard", &org).await.body), None);
    let empty = a.get("/inbox", &org).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("暂无消息") && empty.body.contains("共 0 条"));

    let id = notify(&a, org_of(&a, "org_yl").await, "彝良县邀请您结对帮扶", "/pairing/12", "org_yl").await;

    // The recipient sees the badge and the notice.
    assert_eq!(badge(&a.get("/dashboard", &org).await.body).as_deref(), Some("1"));
    let page = a.get("/inbox", &org).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("彝良县邀请您结对帮扶") && page.body.contains("请在签约期限前处理"), "{}", page.body);
    assert!(page.body.contains("未读") && page.body.contains("共 1 条") && page.body.contains("全部标为已读"));
    assert!(page.body.contains(&format!("action=\"/inbox/{id}/read\"")));
    assert!(page.body.contains("年") && page.body.contains("月"), "the time is shown as 2026年…");
    assert!(a.get("/inbox?tab=unread", &org).await.body.contains("彝良县邀请您结对帮扶"));

    // Another organisation and an officer do not.
    for cookie in [&other, &a.login("yl_xz").await.0] {
        assert_eq!(badge(&a.get("/dashboard", cookie).await.body), None);
        let p = a.get("/inbox", cookie).await;
        assert!(!p.body.contains("彝良县邀请您结对帮扶") && p.body.contains("暂无消息"));
    }

    // Someone else's notice cannot be opened, and a form without the session's token is refused.
    assert_eq!(a.post_form(&format!("/inbox/{id}/read"), &other, &[("_csrf", &other_csrf)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(a.post_form(&format!("/inbox/{id}/read"), &org, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(a.post_form("/inbox/999999/read", &org, &[("_csrf", &org_csrf)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(badge(&a.get("/dashboard", &org).await.body).as_deref(), Some("1"));

    // Opening it marks it read and follows its link; the badge goes.
    let r = a.post_form(&format!("/inbox/{id}/read"), &org, &[("_csrf", &org_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/pairing/12");
    assert_eq!(badge(&a.get("/dashboard", &org).await.body), None);
    let page = a.get("/inbox", &org).await;
    assert!(page.body.contains("已读") && page.body.contains("彝良县邀请您结对帮扶") && !page.body.contains("全部标为已读"));
    assert!(a.get("/inbox?tab=unread", &org).await.body.contains("暂无未读消息"));
}

async fn links_leave_the_site_never_and_all_can_be_marked_read(a: App) {
    let a = with_empty_inboxes(a).await;
    let (xz, xz_csrf) = a.login("yl_xz").await;
    let unit = || Recipient::Unit { region: "530628".into(), role: Some(duijie_domain::Role::RuralRevitalization) };
    let evil = notify(&a, unit(), "外部链接", "https://evil.example/phish", "yl_xz").await;
    let sneaky = notify(&a, unit(), "协议相对链接", "//evil.example/phish", "yl_xz").await;
    let chinese = notify(&a, unit(), "中文链接", "/orgs?q=教育", "yl_xz").await;
    for id in [evil, sneaky] {
        let r = a.post_form(&format!("/inbox/{id}/read"), &xz, &[("_csrf", &xz_csrf)]).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/inbox"));
    }
    let r = a.post_form(&format!("/inbox/{chinese}/read"), &xz, &[("_csrf", &xz_csrf)]).await;
    assert_eq!(r.location(), "/orgs?q=%E6%95%99%E8%82%B2");

    // The civil-affairs bureau of the same county does not see the rural-revitalisation bureau's notices.
    let (mz, _) = a.login("yl_mz").await;
    assert!(a.get("/inbox", &mz).await.body.contains("暂无消息"));

    // Many notices: paged, and all marked read at once with a toast.
    for i in 0..22 {
        notify(&a, unit(), &format!("第{i}条提醒"), "/pairing", "yl_xz").await;
    }
    assert_eq!(badge(&a.get("/dashboard", &xz).await.body).as_deref(), Some("22"));
    let p1 = a.get("/inbox", &xz).await;
    assert!(p1.body.contains("共 25 条 · 第 1/2 页") && p1.body.contains("第21条提醒") && !p1.body.contains("外部链接"), "newest first");
    let p2 = a.get("/inbox?page=2", &xz).await;
    assert!(p2.body.contains("外部链接") && p2.body.contains("上一页"));
    let unread = a.get("/inbox?tab=unread", &xz).await;
    assert!(unread.body.contains("共 22 条") && !unread.body.contains("中文链接"));
    let r = a.post_form("/inbox/read-all", &xz, &[("_csrf", &xz_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/inbox?ok="), "{}", r.location());
    let after = a.get(r.location(), &xz).await;
    assert!(after.body.contains("已全部标为已读"));
    assert_eq!(badge(&after.body), None);
    assert_eq!(a.post_form("/inbox/read-all", &xz, &[]).await.status, StatusCode::FORBIDDEN);
}

async fn the_api_lists_and_marks_only_the_callers_notices(a: App) {
    let a = with_empty_inboxes(a).await;
    let org = a.token("org_yl").await;
    let other = a.token("org_yn").await;
    let id = notify(&a, org_of(&a, "org_yl").await, "方案已下达", "/pairing/3", "org_yl").await;
    notify(&a, org_of(&a, "org_yl").await, "签约提醒", "/pairing/3", "org_yl").await;

    let r = a.api("GET", "/api/v1/inbox", Some(&org), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!((j["total"].as_i64(), j["unread"].as_i64()), (Some(2), Some(2)));
    assert_eq!(j["items"][0]["title"], "签约提醒", "newest first");
    assert_eq!(j["items"][1]["link"], "/pairing/3");
    assert!(j["items"][1]["read_at"].is_null());
    let paged = a.api("GET", "/api/v1/inbox?page=2&per_page=1", Some(&org), None).await.json();
    assert_eq!((paged["total"].as_i64(), paged["items"][0]["id"].as_i64()), (Some(2), Some(id)));

    let theirs = a.api("GET", "/api/v1/inbox", Some(&other), None).await.json();
    assert_eq!((theirs["total"].as_i64(), theirs["items"].as_array().map(Vec::len)), (Some(0), Some(0)));
    let r = a.api("POST", &format!("/api/v1/inbox/{id}/read"), Some(&other), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
    assert_eq!(a.api("POST", &format!("/api/v1/inbox/{id}/read"), None, None).await.status, StatusCode::UNAUTHORIZED);

    let r = a.api("POST", &format!("/api/v1/inbox/{id}/read"), Some(&org), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let unread = a.api("GET", "/api/v1/inbox?unread=true", Some(&org), None).await.json();
    assert_eq!((unread["total"].as_i64(), unread["unread"].as_i64()), (Some(1), Some(1)));
    assert_eq!(unread["items"][0]["title"], "签约提醒");
    let all = a.api("GET", "/api/v1/inbox", Some(&org), None).await.json();
    assert!(all["items"][1]["read_at"].is_i64());

    assert_eq!(a.api("POST", "/api/v1/inbox/read-all", Some(&other), None).await.json()["marked"], 0);
    assert_eq!(a.api("POST", "/api/v1/inbox/read-all", Some(&org), None).await.json()["marked"], 1);
    assert_eq!(a.api("GET", "/api/v1/inbox", Some(&org), None).await.json()["unread"], 0);

    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    for path in ["/api/v1/inbox", "/api/v1/inbox/{id}/read", "/api/v1/inbox/read-all"] {
        assert!(doc["paths"].get(path).is_some(), "openapi lacks {path}");
    }
    assert_eq!(doc["paths"]["/api/v1/inbox"]["get"]["tags"][0], "inbox");
}

async fn a_page_past_the_end_shows_the_last_page(a: App) {
    let a = with_empty_inboxes(a).await;
    let (org, _) = a.login("org_yl").await;
    for i in 1..=21 {
        notify(&a, org_of(&a, "org_yl").await, &format!("第{i}条通知"), "/inbox", "org_yl").await;
    }
    let page = a.get("/inbox?page=999", &org).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("共 21 条 · 第 2/2 页"), "{}", page.body);
    assert!(!page.body.contains("第 999"), "a page that does not exist is not named");
    // The last page holds the oldest notice (newest first), not an empty list.
    assert!(page.body.contains("第1条通知") && !page.body.contains("暂无消息"));
}

/// The count a dashboard's 待办 shows for a kind of task (None when not shown).
fn todo_count(dashboard: &str, label: &str) -> Option<u64> {
    let todo = dashboard.split("id=\"todo\"").nth(1)?.split("</section>").next()?;
    let item = todo.split("<li").find(|li| li.contains(label))?;
    item.split("<span class=\"num\">").nth(1)?.split('<').next()?.trim().parse().ok()
}

/// When 彝良县乡村振兴局 submits a demand, 彝良县民政局 (who approves it) is told in
/// its inbox at once and its dashboard counts one more 待审核发布的需求; the
/// recording office, which cannot approve, counts none; six hundred more
/// waiting are all counted.
async fn a_submitted_demand_reaches_its_approvers_inbox_and_todo(a: App) {
    let a = with_empty_inboxes(a).await;
    let (mz, _) = a.login("yl_mz").await;
    let (xz, _) = a.login("yl_xz").await;
    let label = "待审核发布的需求";
    let before = todo_count(&a.get("/dashboard", &mz).await.body, label).expect("the approver's dashboard lists the task");
    let token = a.token("yl_xz").await;
    let body = serde_json::json!({"title": "荞山镇小学图书角", "field": "教育", "target_kind": "township", "region": "530628102",
        "beneficiary_group": "三留守人员", "beneficiary_count": 80, "funds_wan": 2, "mode": "capacity", "urgency": 1, "deadline": "2027-06-30",
        "contact_name": "赵磊", "contact_phone": "0870-1234567"});
    let r = a.api("POST", "/api/v1/demands", Some(&token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let s = a.api("POST", &format!("/api/v1/demands/{id}/steps"), Some(&token), Some(serde_json::json!({"step": "submit"}))).await;
    assert!(s.status.is_success(), "{}", s.body);

    assert_eq!(todo_count(&a.get("/dashboard", &mz).await.body, label), Some(before + 1));
    let inbox = a.get("/inbox", &mz).await.body;
    assert!(inbox.contains("待审核需求：荞山镇小学图书角") && inbox.contains("/inbox/"), "the approver is told");
    assert_eq!(todo_count(&a.get("/dashboard", &xz).await.body, label), Some(0), "the recording office does not approve");
    assert!(!a.get("/inbox", &xz).await.body.contains("待审核需求"), "nor is it told to");

    // Hundreds waiting are all counted (the count is not the length of a first page).
    let cols = "title, description, field, target_kind, region_code, county_code, beneficiary_group, beneficiary_count, funds_fen, mode, \
                urgency, deadline, is_wish, contact_name, contact_phone, status, unit_region, created_by, created_at, submitted_at, provenance, is_demo, updated_at";
    let copies = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600) \
         INSERT INTO demands ({cols}) SELECT {cols} FROM demands, n WHERE demands.id = {id}"
    );
    duijie_store::on_db!(&a.t.db, p => sqlx::query(sqlx::AssertSqlSafe(copies)).execute(p).await.map(|_| ())).unwrap();
    assert_eq!(todo_count(&a.get("/dashboard", &mz).await.body, label), Some(before + 601));
}
