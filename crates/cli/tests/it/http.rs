//! Pages and API over HTTP: scope, roles, bad input, security headers, imports.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`)
//! except the OpenAPI/explorer and security-header checks, which read no table.

use crate::support::{App, app, both, csrf_of, multipart};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

both!(
    api_tokens_identify_the_caller_and_wrong_credentials_are_refused,
    every_role_gets_the_expected_answer_in_and_out_of_scope,
    a_county_officer_cannot_open_another_county_page,
    bad_input_gets_a_clear_answer_and_changes_nothing,
    logout_ends_the_session,
    an_administrator_manages_users_in_scope_with_field_errors,
    a_designation_list_imports_with_preview_all_or_nothing_and_idempotently,
    the_audit_trail_is_filtered_by_date_person_action_and_record,
);

#[tokio::test]
async fn openapi_describes_every_api_route_and_the_explorer_works_offline() {
    let a = app().await;
    let doc = a.api("GET", "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let paths: Vec<String> = doc.json()["paths"].as_object().unwrap().keys().cloned().collect();
    for p in [
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/regions/{code}/designations",
        "/api/v1/designation-kinds",
        "/api/v1/users",
        "/api/v1/audit/verify",
    ] {
        assert!(paths.contains(&p.to_string()), "openapi.json lacks {p}: {paths:?}");
    }
    let ui = a.get("/api/docs/", "").await;
    assert_eq!(ui.status, StatusCode::OK);
    assert!(ui.body.contains("swagger-ui"));
    assert!(!ui.body.contains("src=\"http") && !ui.body.contains("href=\"http"), "the explorer must not load from the internet");
    assert_eq!(a.get("/healthz", "").await.body, "ok");
}

async fn api_tokens_identify_the_caller_and_wrong_credentials_are_refused(a: App) {
    let bad = a.api("POST", "/api/v1/auth/token", None, Some(json!({"username": "yl_xz", "password": "nope"}))).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json()["message"], "用户名或密码错误");
    let none = a.api("GET", "/api/v1/me", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.json()["code"], "unauthenticated");
    let forged = a.api("GET", "/api/v1/me", Some("0123"), None).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    let token = a.token("yl_xz").await;
    let me = a.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(me.json()["username"], "yl_xz");
    assert_eq!(me.json()["region_code"], "530628");
    let garbage = a
        .send(Request::post("/api/v1/auth/token").header(header::CONTENT_TYPE, "application/json").body(Body::from("{not json")).unwrap())
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    assert!(garbage.json()["message"].as_str().unwrap().starts_with("请求体不是有效的 JSON"));
}

/// Roles × operations × in/out of scope over the API, each expected status by hand.
async fn every_role_gets_the_expected_answer_in_and_out_of_scope(a: App) {
    let add = |kind: &str| json!({"kind": kind, "source": "测试文件", "valid_from": "2024-01-01"});
    #[rustfmt::skip]
    let table: &[(&str, [u16; 8])] = &[
        // user     region 530628 / 520102, designate 530627 / 520102, users, audit, search 镇雄 hits>0, region 53 page
        ("admin",   [200, 200, 201, 201, 200, 200, 1, 200]),
        ("yn_xz",   [200, 404, 201, 404, 403, 404, 1, 200]),
        ("yl_xz",   [200, 404, 404, 404, 403, 404, 0, 404]),
        ("yl_mz",   [200, 404, 404, 404, 403, 404, 0, 404]),
        ("org_yl",  [200, 200, 403, 403, 403, 403, 1, 200]),
    ];
    for (user, want) in table {
        let t = a.token(user).await;
        let got = [
            a.api("GET", "/api/v1/regions/530628", Some(&t), None).await.status.as_u16(),
            a.api("GET", "/api/v1/regions/520102", Some(&t), None).await.status.as_u16(),
            a.api("POST", "/api/v1/regions/530627/designations", Some(&t), Some(add("three_areas"))).await.status.as_u16(),
            a.api("POST", "/api/v1/regions/520102/designations", Some(&t), Some(add("ethnic"))).await.status.as_u16(),
            a.api("GET", "/api/v1/users", Some(&t), None).await.status.as_u16(),
            a.api("GET", "/api/v1/audit/verify", Some(&t), None).await.status.as_u16(),
            a.api("GET", "/api/v1/regions?q=%E9%95%87%E9%9B%84", Some(&t), None).await.json().as_array().map(|v| (!v.is_empty()) as u16).unwrap_or(9),
            a.api("GET", "/api/v1/regions/53", Some(&t), None).await.status.as_u16(),
        ];
        // Designations added by earlier rows conflict (409) for later allowed users;
        // only the first allowed creator sees 201.
        let got: Vec<u16> = got.iter().zip(want.iter()).map(|(g, w)| if *g == 409 && *w == 201 { 201 } else { *g }).collect();
        assert_eq!(got, want.to_vec(), "answers for {user}");
    }
}

async fn a_county_officer_cannot_open_another_county_page(a: App) {
    let (cookie, _) = a.login("yl_xz").await;
    let own = a.get("/regions/530628", &cookie).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("国家乡村振兴重点帮扶县"));
    let other = a.get("/regions/530627", &cookie).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert!(other.body.contains("不在您的管辖范围内"));
    let bogus = a.get("/regions/53x628", &cookie).await;
    assert_eq!(bogus.status, StatusCode::NOT_FOUND, "a malformed code is a plain 404");
    let search = a.get("/regions/search?q=%E9%95%87%E9%9B%84", &cookie).await;
    assert!(!search.body.contains("530627"), "search stays in scope");
    let anonymous = a.get("/regions/530628", "").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location(), "/login");
}

async fn bad_input_gets_a_clear_answer_and_changes_nothing(a: App) {
    let (cookie, csrf) = a.login("yn_xz").await;
    let count = |body: &str| body.matches("三区三州").count();
    let before = count(&a.get("/regions/530627", &cookie).await.body);

    // Forged CSRF token.
    let forged = a.post_form("/regions/530627/designations", &cookie, &[("_csrf", "forged"), ("kind", "three_areas"), ("source", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("请刷新页面后重新提交"));
    // Missing fields: each named.
    let missing = a.post_form("/regions/530627/designations", &cookie, &[("_csrf", &csrf), ("kind", "three_areas"), ("valid_from", "昨天")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("认定日期格式应为") && missing.body.contains("请填写认定依据"), "{}", missing.body);
    // Oversized form.
    let big = "x".repeat(200 * 1024);
    let huge = a.post_form("/regions/530627/designations", &cookie, &[("_csrf", &csrf), ("note", &big)]).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(huge.body.contains("提交的内容过大"));
    // Malformed code in the URL.
    let bad_code = a.post_form("/regions/5306271/designations", &cookie, &[("_csrf", &csrf), ("kind", "three_areas"), ("source", "x")]).await;
    assert_eq!(bad_code.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&a.get("/regions/530627", &cookie).await.body), before, "nothing was written");

    // A valid submission goes through, so the failures above were about the input.
    let ok = a.post_form("/regions/530627/designations", &cookie, &[("_csrf", &csrf), ("kind", "three_areas"), ("source", "云南省文件")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(count(&a.get("/regions/530627", &cookie).await.body) > before);

    // Login: wrong password and missing CSRF.
    let page = a.get("/login", "").await;
    let pre = page.set_cookie("duijie_login_csrf").unwrap();
    let wrong = a.post_form("/login", &format!("duijie_login_csrf={pre}"), &[("_csrf", &pre), ("username", "yn_xz"), ("password", "bad")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("用户名或密码错误"));
    let no_csrf = a.post_form("/login", "", &[("username", "yn_xz"), ("password", "bad")]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let a = app().await;
    for path in ["/login", "/healthz", "/api/openapi.json", "/regions/530628"] {
        let r = a.get(path, "").await;
        let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff", "{path}");
        assert_eq!(r.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY", "{path}");
    }
    let login = a.get("/login", "").await;
    let cookie = login.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
}

async fn logout_ends_the_session(a: App) {
    let (cookie, csrf) = a.login("zt_mz").await;
    let out = a.post_form("/logout", &cookie, &[("_csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login");
    let after = a.get("/dashboard", &cookie).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the old cookie no longer works");
}

async fn an_administrator_manages_users_in_scope_with_field_errors(a: App) {
    let (cookie, csrf) = a.login("admin").await;
    let bad = a
        .post_form("/admin/users", &cookie, &[("_csrf", &csrf), ("username", "x"), ("display_name", ""), ("role", "organization"), ("region", "53x"), ("org", ""), ("password", "short")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in ["用户名应为 3–32 位", "请填写姓名", "区划代码只能包含数字", "请填写本单位管辖范围内已登记社会组织的统一社会信用代码", "密码至少 8 位"] {
        assert!(bad.body.contains(msg), "missing field error {msg}");
    }
    let ok = a
        .post_form("/admin/users", &cookie, &[("_csrf", &csrf), ("username", "gz_county"), ("display_name", "贵阳市南明区民政局·测试"), ("role", "civil_affairs"), ("region", "520102"), ("org", ""), ("password", "Passw0rd2026")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let list = a.get("/admin/users?page=1", &cookie).await;
    assert!(list.body.contains("gz_county"));
    let audit = a.get("/admin/audit", &cookie).await;
    assert!(audit.body.contains("新建账号") && audit.body.contains("登录名：gz_county"), "the audit trail says it in words");
    // The new user can log in and sees only their district.
    let t = a.api("POST", "/api/v1/auth/token", None, Some(json!({"username": "gz_county", "password": "Passw0rd2026"}))).await;
    let token = t.json()["token"].as_str().unwrap().to_string();
    assert_eq!(a.api("GET", "/api/v1/regions/520102", Some(&token), None).await.status, StatusCode::OK);
    assert_eq!(a.api("GET", "/api/v1/regions/5201", Some(&token), None).await.status, StatusCode::NOT_FOUND);

    // A provincial administrator cannot create users outside the province.
    a.add_officer("yn_admin", "云南管理员", duijie_domain::Role::Admin, "53").await;
    let yn = a.token("yn_admin").await;
    let outside = a
        .api("POST", "/api/v1/users", Some(&yn), Some(json!({"username": "gz_x", "display_name": "x", "role": "civil_affairs", "region": "52", "password": "Passw0rd2026"})))
        .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(outside.json()["fields"][0]["field"], "region");
    let listed = a.api("GET", "/api/v1/users?size=200", Some(&yn), None).await.json();
    assert!(listed["items"].as_array().unwrap().iter().all(|u| u["region_code"].as_str().unwrap().starts_with("53")));
    let gz_user_id = duijie_store::users::by_username(&a.t.db, "gz_xz").await.unwrap().unwrap().id;
    let (yn_cookie, _) = a.login("yn_admin").await;
    assert_eq!(a.get(&format!("/admin/users/{gz_user_id}"), &yn_cookie).await.status, StatusCode::NOT_FOUND);
}

async fn a_designation_list_imports_with_preview_all_or_nothing_and_idempotently(a: App) {
    let (cookie, csrf) = a.login("admin").await;
    let upload = |csv: &str| {
        let (ct, body) = multipart(&[("_csrf", &csrf), ("kind", "provincial_key"), ("source", "云南省乡村振兴重点帮扶县名单")], "名单.csv", csv.as_bytes());
        Request::post("/designations/import").header(header::COOKIE, &cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap()
    };
    let bad_file = "云南省省级重点帮扶县\n区划代码,名称,认定日期\n530627,镇雄县,2022-01-01\n999999,不存在县,\n530628,镇雄县,\n530627,镇雄县,\n530629,威信县,明年\n";
    let bad = a.send(upload(bad_file)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (row, msg) in [(4, "没有这个区划代码"), (5, "名称“镇雄县”与区划代码不符"), (6, "在文件中重复出现"), (7, "不是日期")] {
        assert!(bad.body.contains(&format!("第 {row} 行")) && bad.body.contains(msg), "row {row}: {msg}");
    }
    assert!(!bad.body.contains("确认导入"));
    let none = duijie_store::designations::current_of_kind(&a.t.db, "provincial_key", &duijie_domain::RegionCode::national()).await.unwrap();
    assert!(none.is_empty(), "nothing written while the file has errors");

    let good_file = "区划代码,名称,认定日期\n530627,镇雄县,2022-01-01\n530629,威信县,2022/1/1\n";
    let preview = a.send(upload(good_file)).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let marker = "name=\"token\" value=\"";
    let start = preview.body.find(marker).unwrap() + marker.len();
    let token = preview.body[start..].split('"').next().unwrap().to_string();
    let csrf2 = csrf_of(&preview.body);
    let commit = a.post_form("/designations/import/commit", &cookie, &[("_csrf", &csrf2), ("token", &token)]).await;
    assert_eq!(commit.status, StatusCode::SEE_OTHER);
    assert!(commit.location().contains("ok="));
    assert_eq!(duijie_store::designations::current_of_kind(&a.t.db, "provincial_key", &duijie_domain::RegionCode::national()).await.unwrap().len(), 2);
    // The same preview cannot be committed twice.
    let twice = a.post_form("/designations/import/commit", &cookie, &[("_csrf", &csrf2), ("token", &token)]).await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    // Importing the same file again changes nothing.
    let again = a.send(upload(good_file)).await;
    let start = again.body.find(marker).unwrap() + marker.len();
    let token = again.body[start..].split('"').next().unwrap().to_string();
    let commit = a.post_form("/designations/import/commit", &cookie, &[("_csrf", &csrf2), ("token", &token)]).await;
    assert!(urlencoding_decode(commit.location()).contains("新增 0 条，2 条已存在未改动"), "{}", commit.location());
    assert_eq!(duijie_store::designations::current_of_kind(&a.t.db, "provincial_key", &duijie_domain::RegionCode::national()).await.unwrap().len(), 2);
    // The template downloads as a real workbook that reads back.
    let tpl = a.send(Request::get("/designations/template.xlsx").header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await;
    assert_eq!(tpl.status, StatusCode::OK);
    assert_eq!(tpl.headers.get(header::CONTENT_TYPE).unwrap(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}

fn urlencoding_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// 审计日志 narrows to a date range, a person, an action and a record; the
/// pager keeps the filters; a date that cannot be read is said.
async fn the_audit_trail_is_filtered_by_date_person_action_and_record(a: App) {
    let (cookie, csrf) = a.login("admin").await;
    for (username, name) in [("gz_one", "贵阳市南明区民政局·甲"), ("gz_two", "贵阳市南明区民政局·乙")] {
        let r = a
            .post_form("/admin/users", &cookie, &[("_csrf", &csrf), ("username", username), ("display_name", name), ("role", "civil_affairs"), ("region", "520102"), ("org", ""), ("password", "Passw0rd2026")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let rows = |body: &str| body.split("<tbody>").nth(1).unwrap_or("").split("</tbody>").next().unwrap_or("").matches("<tr>").count();
    let total = |body: &str| body.split("共 ").nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse::<usize>().ok()).unwrap_or(usize::MAX);

    let body = |page: &str| page.split("<tbody>").nth(1).unwrap_or("").split("</tbody>").next().unwrap_or("").to_string();
    let created = a.get("/admin/audit?action=user.create", &cookie).await.body;
    assert!(created.contains("登录名：gz_one") && created.contains("登录名：gz_two"), "{created}");
    let listed = body(&created);
    assert!(listed.matches("<td>新建账号</td>").count() == rows(&created), "only new accounts: {listed}");
    let n_created = total(&created);
    assert_eq!(rows(&created), n_created.min(50));

    let user = duijie_store::users::by_username(&a.t.db, "gz_two").await.unwrap().unwrap();
    let one = a.get(&format!("/admin/audit?entity=user&entity_id={}", user.id), &cookie).await.body;
    assert_eq!(total(&one), 1, "one record: {one}");
    assert!(one.contains("登录名：gz_two") && !one.contains("登录名：gz_one"));

    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(8 + 24)).date_naive();
    let none = a.get(&format!("/admin/audit?from={tomorrow}"), &cookie).await.body;
    assert_eq!(total(&none), 0);
    // By person: whoever made gz_two's account (as the trail names them) made both.
    let filter = duijie_store::audit::Filter { entity: "user".into(), entity_id: user.id.to_string(), ..Default::default() };
    let (made, _) = duijie_store::audit::search(&a.t.db, &duijie_domain::RegionCode::national(), &filter, 1, 0).await.unwrap();
    let who = made[0].actor.clone();
    let by_person = a.get(&format!("/admin/audit?action=user.create&actor={}", who.chars().take(3).collect::<String>()), &cookie).await.body;
    assert!(by_person.contains("登录名：gz_one") && by_person.contains("登录名：gz_two"));
    assert!(total(&by_person) < n_created, "the demo's own accounts were made by the loader, not by {who}");
    let nobody = a.get("/admin/audit?actor=%E6%97%A0%E6%AD%A4%E4%BA%BA", &cookie).await.body;
    assert_eq!(total(&nobody), 0);

    let bad = a.get("/admin/audit?from=%E6%98%A8%E5%A4%A9", &cookie).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("id=\"filter-error\"") && bad.body.contains("日期“昨天”无法识别"));
    // The filters stay in the pager's links.
    let all = a.get("/admin/audit?action=reference.load", &cookie).await.body;
    if total(&all) > 50 {
        assert!(all.contains("?action=reference.load&page=2"));
    }
}
