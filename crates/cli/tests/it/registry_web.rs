//! Special-action enrolment, the liaison list (联络清单) and liaison officers,
//! through the pages and the API.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`).

use crate::support::{App, both};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

both!(
    an_organisation_enrols_through_the_page_and_officers_in_scope_see_and_export_it,
    a_credit_listed_organisation_is_refused_on_the_page_and_the_api,
    the_api_enrols_lists_in_scope_and_refuses_duplicates,
    officers_manage_liaisons_in_scope_and_organisations_look_them_up,
    a_liaison_region_is_typed_by_name_or_code,
);

async fn org_id_of(a: &App, username: &str) -> i64 {
    duijie_store::users::by_username(&a.t.db, username).await.unwrap().unwrap().org_id.expect("organisation user")
}

async fn action_id(a: &App, name: &str) -> i64 {
    duijie_store::actions::all(&a.t.db).await.unwrap().into_iter().find(|x| x.name == name).unwrap_or_else(|| panic!("no action {name}")).id
}

/// GETs a download; returns (status, content-disposition, bytes).
async fn download(a: &App, path: &str, cookie: &str) -> (StatusCode, String, Vec<u8>) {
    let req = Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    let res = a.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let disposition = res.headers().get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, disposition, bytes)
}

/// The data rows of a downloaded table, as maps from header to cell.
fn table_rows(name: &str, bytes: &[u8], required: &str) -> Vec<std::collections::HashMap<String, String>> {
    let t = duijie_office::read_table(name, bytes, &[&[required]]).expect("readable table");
    t.rows
        .iter()
        .map(|r| t.headers.iter().enumerate().map(|(i, h)| (h.clone(), r.get(Some(i)).to_string())).collect())
        .collect()
}

async fn put_on_serious_list(a: &App, org_id: i64) {
    let mut tx = a.t.db.begin().await.unwrap();
    duijie_store::orgs::set_credit_list(&mut tx, &duijie_store::Actor::system("测试"), org_id, Some(duijie_domain::org::CreditList::Serious), "测试原因")
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

const ORG_YL: &str = "演示·彝良县助学服务中心";

async fn an_organisation_enrols_through_the_page_and_officers_in_scope_see_and_export_it(a: App) {
    let id = action_id(&a, "百会结百县").await;
    let other = action_id(&a, "结对帮扶行动").await;
    let (org, org_csrf) = a.login("org_yl").await;

    let cat = a.get("/actions", &org).await;
    assert_eq!(cat.status, StatusCode::OK);
    for heading in ["全国性行动", "吉林省", "云南省", "百会结百县", "创业就业"] {
        assert!(cat.body.contains(heading), "catalogue lacks {heading}");
    }
    assert!(cat.body.contains(&format!("href=\"/actions/{id}/enrol\"")));

    let form = a.get(&format!("/actions/{id}/enrol"), &org).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("联系人") && form.body.contains("参与计划"));

    // Field errors in Chinese, nothing written.
    let bad = a.post_form(&format!("/actions/{id}/enrol"), &org, &[("_csrf", &org_csrf), ("contact_name", ""), ("contact_phone", "打电话")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("请填写联系人"), "{}", bad.body);
    assert!(bad.body.contains("不是有效的电话号码"));
    assert!(duijie_store::actions::of_org(&a.t.db, org_id_of(&a, "org_yl").await).await.unwrap().is_empty());

    // A missing CSRF token is refused.
    let no_csrf = a.post_form(&format!("/actions/{id}/enrol"), &org, &[("contact_name", "张老师"), ("contact_phone", "13800000000")]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);

    let fields = [
        ("_csrf", org_csrf.as_str()),
        ("contact_name", "张老师"),
        ("contact_title", "秘书长"),
        ("contact_phone", "13800000000"),
        ("target_regions", "云南省昭通市彝良县"),
        ("plan", "资助 100 名学生"),
    ];
    let ok = a.post_form(&format!("/actions/{id}/enrol"), &org, &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(ok.location().starts_with("/actions"));

    let cat = a.get("/actions", &org).await;
    let row = cat.body.split(&format!("id=\"action-{id}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("已报名"), "{row}");

    // A second enrolment says 已报名 and writes nothing.
    let again = a.post_form(&format!("/actions/{id}/enrol"), &org, &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("已报名"));
    assert_eq!(duijie_store::actions::of_org(&a.t.db, org_id_of(&a, "org_yl").await).await.unwrap().len(), 1);
    assert!(a.get(&format!("/actions/{id}/enrol"), &org).await.body.contains("已报名"));

    // Organisation users do not see the enrolment lists.
    assert_eq!(a.get("/actions/enrolments", &org).await.status, StatusCode::FORBIDDEN);
    assert_eq!(download(&a, "/actions/enrolments/liaison-list.xlsx", &org).await.0, StatusCode::FORBIDDEN);

    // The province sees it, with its columns, and can filter by action.
    let (yn, _) = a.login("yn_mz").await;
    let list = a.get("/actions/enrolments", &yn).await;
    assert_eq!(list.status, StatusCode::OK);
    for col in ["序号", "社会组织名称", "统一社会信用代码", "登记地", "参与行动", "联系人", "职务", "联系电话", "拟帮扶地区", "报名时间"] {
        assert!(list.body.contains(&format!("<th>{col}</th>")), "lacks column {col}");
    }
    assert!(list.body.contains(ORG_YL) && list.body.contains("张老师") && list.body.contains("云南省昭通市彝良县"));
    assert!(a.get(&format!("/actions/enrolments?action={id}"), &yn).await.body.contains(ORG_YL));
    assert!(!a.get(&format!("/actions/enrolments?action={other}"), &yn).await.body.contains(ORG_YL));

    // The liaison list carries exactly those rows.
    let (status, disposition, bytes) = download(&a, "/actions/enrolments/liaison-list.xlsx", &yn).await;
    assert_eq!(status, StatusCode::OK);
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''%E8%81%94%E7%BB%9C%E6%B8%85%E5%8D%95.xlsx"), "{disposition}");
    let rows = table_rows("联络清单.xlsx", &bytes, "社会组织名称");
    let r = rows.iter().find(|r| r["社会组织名称"] == ORG_YL).expect("row of the organisation");
    assert_eq!(r["序号"], "1");
    assert_eq!(r["参与行动"], "百会结百县");
    assert_eq!(r["联系人"], "张老师");
    assert_eq!(r["职务"], "秘书长");
    assert_eq!(r["联系电话"], "13800000000");
    assert_eq!(r["拟帮扶地区"], "云南省昭通市彝良县");
    assert!(r["登记地"].contains("彝良县"));
    assert!(r["报名时间"].contains("年"));
    let t = duijie_office::read_table("联络清单.xlsx", &bytes, &[&["社会组织名称"]]).unwrap();
    assert_eq!(t.sheet, "联络清单");
    assert_eq!(t.headers.len(), 10);

    // Jiangsu sees nothing of Yunnan's.
    let (js, _) = a.login("js_mz").await;
    let js_list = a.get("/actions/enrolments", &js).await;
    assert_eq!(js_list.status, StatusCode::OK);
    assert!(!js_list.body.contains(ORG_YL));
    let (status, _, bytes) = download(&a, "/actions/enrolments/liaison-list.xlsx", &js).await;
    assert_eq!(status, StatusCode::OK);
    // Headers only: the reader calls a table without data rows empty.
    assert!(matches!(duijie_office::read_table("联络清单.xlsx", &bytes, &[&["社会组织名称"]]), Err(duijie_office::OfficeError::Empty)));
}

async fn a_credit_listed_organisation_is_refused_on_the_page_and_the_api(a: App) {
    let id = action_id(&a, "百会结百县").await;
    let org_id = org_id_of(&a, "org_yn").await;
    put_on_serious_list(&a, org_id).await;

    let (org, csrf) = a.login("org_yn").await;
    assert!(a.get("/actions", &org).await.body.contains("严重违法失信名单"));
    assert!(a.get(&format!("/actions/{id}/enrol"), &org).await.body.contains("严重违法失信名单"));
    let res = a
        .post_form(&format!("/actions/{id}/enrol"), &org, &[("_csrf", &csrf), ("contact_name", "赵会长"), ("contact_phone", "0871-6543210")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("严重违法失信名单"), "{}", res.body);

    let token = a.token("org_yn").await;
    let api = a
        .api("POST", &format!("/api/v1/actions/{id}/enrolments"), Some(&token), Some(json!({"contact_name": "赵会长", "contact_phone": "0871-6543210"})))
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(api.json()["message"].as_str().unwrap().contains("严重违法失信名单"));
    assert!(duijie_store::actions::of_org(&a.t.db, org_id).await.unwrap().is_empty());
    assert!(duijie_store::actions::in_scope(&a.t.db, &duijie_domain::RegionCode::national(), None).await.unwrap().is_empty());
}

async fn the_api_enrols_lists_in_scope_and_refuses_duplicates(a: App) {
    let id = action_id(&a, "百会结百县").await;
    let org = a.token("org_yl").await;

    let actions = a.api("GET", "/api/v1/actions", Some(&org), None).await;
    assert_eq!(actions.status, StatusCode::OK);
    let list = actions.json();
    let hb = list.as_array().unwrap().iter().find(|x| x["id"] == id).unwrap();
    assert_eq!(hb["province_name"], "云南省");
    assert_eq!(hb["enrolled"], false);
    assert!(list.as_array().unwrap().iter().any(|x| x["province_name"] == "全国性行动"));

    let body = json!({"contact_name": "张老师", "contact_title": "秘书长", "contact_phone": "13800000000", "target_regions": "彝良县", "plan": "助学"});
    let bad = a.api("POST", &format!("/api/v1/actions/{id}/enrolments"), Some(&org), Some(json!({"contact_name": "", "contact_phone": "x"}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["code"], "invalid");
    let created = a.api("POST", &format!("/api/v1/actions/{id}/enrolments"), Some(&org), Some(body.clone())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["org_name"], ORG_YL);
    assert_eq!(created.json()["action_name"], "百会结百县");
    let dup = a.api("POST", &format!("/api/v1/actions/{id}/enrolments"), Some(&org), Some(body.clone())).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.json()["message"].as_str().unwrap().contains("已报名"));
    assert_eq!(a.api("GET", "/api/v1/actions", Some(&org), None).await.json().as_array().unwrap().iter().find(|x| x["id"] == id).unwrap()["enrolled"], true);
    assert_eq!(a.api("POST", "/api/v1/actions/999999/enrolments", Some(&org), Some(body.clone())).await.status, StatusCode::NOT_FOUND);

    assert_eq!(a.api("GET", "/api/v1/enrolments", Some(&org), None).await.status, StatusCode::FORBIDDEN);
    let yn = a.token("yn_mz").await;
    let seen = a.api("GET", &format!("/api/v1/enrolments?action={id}"), Some(&yn), None).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.json().as_array().unwrap().iter().any(|e| e["org_name"] == ORG_YL));
    // Officers do not enrol through this route.
    assert_eq!(a.api("POST", &format!("/api/v1/actions/{id}/enrolments"), Some(&yn), Some(body)).await.status, StatusCode::FORBIDDEN);
    let js = a.token("js_mz").await;
    assert!(a.api("GET", "/api/v1/enrolments", Some(&js), None).await.json().as_array().unwrap().is_empty());

    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    for path in ["/api/v1/actions", "/api/v1/actions/{id}/enrolments", "/api/v1/enrolments", "/api/v1/liaisons"] {
        assert!(doc["paths"].get(path).is_some(), "openapi lacks {path}");
    }
}

async fn officers_manage_liaisons_in_scope_and_organisations_look_them_up(a: App) {
    let (zt, zt_csrf) = a.login("zt_mz").await;
    let (yl, yl_csrf) = a.login("yl_xz").await;

    let page = a.get("/liaisons", &zt).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("添加联络员"));
    // The prefecture's field starts empty (a prefilled 5306 was typed after: 5306530628);
    // a county office's holds its county by name.
    assert!(page.body.contains(r#"<input id="region" name="region" value="" "#), "no code prefilled for a prefecture");
    assert!(a.get("/liaisons", &yl).await.body.contains(r#"<input id="region" name="region" value="云南省昭通市彝良县" "#));

    let r = a
        .post_form("/liaisons", &zt, &[("_csrf", &zt_csrf), ("region", "5306"), ("department", "civil_affairs"), ("name", "王联络"), ("title", "科长"), ("phone", "0870-1234567")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = a
        .post_form("/liaisons", &yl, &[("_csrf", &yl_csrf), ("region", "530628"), ("department", "rural_revitalization"), ("name", "李联络"), ("title", "股长"), ("phone", "13800000001")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Out of scope: a field error, nothing written.
    let r = a
        .post_form("/liaisons", &yl, &[("_csrf", &yl_csrf), ("region", "530627"), ("department", "rural_revitalization"), ("name", "外县"), ("phone", "13800000002")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("管辖范围"), "{}", r.body);
    // A province is not a liaison region; bad name and phone are named under their fields.
    let r = a.post_form("/liaisons", &zt, &[("_csrf", &zt_csrf), ("region", "53"), ("department", "civil_affairs"), ("name", " "), ("phone", "电话")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("联络员只登记到市（州）和县（市、区）"));
    assert!(r.body.contains("请填写姓名"));
    assert!(r.body.contains("不是有效的电话号码"));
    assert!(r.body.contains("class=\"field-error\""));
    assert_eq!(duijie_store::liaisons::in_scope(&a.t.db, &duijie_domain::RegionCode::national()).await.unwrap().len(), 2);

    // The organisation looking at 彝良县 sees the county's and the prefecture's.
    let (org, _) = a.login("org_yl").await;
    let found = a.get("/liaisons?region=530628", &org).await;
    assert_eq!(found.status, StatusCode::OK);
    let result = found.body.split("id=\"lookup-result\"").nth(1).expect("a result table");
    assert!(result.contains("王联络") && result.contains("李联络"), "{result}");
    assert!(result.contains("乡村振兴部门") && result.contains("民政部门"));
    assert!(!found.body.contains("添加联络员"));
    assert_eq!(a.get("/liaisons?region=99", &org).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(download(&a, "/liaisons/export.xlsx", &org).await.0, StatusCode::FORBIDDEN);

    // The county sees only its own; the prefecture sees both.
    let yl_page = a.get("/liaisons", &yl).await;
    let yl_list = yl_page.body.split("id=\"liaisons\"").nth(1).unwrap();
    assert!(yl_list.contains("李联络") && !yl_list.contains("王联络"));
    let zt_list = a.get("/liaisons", &zt).await.body;
    let zt_list = zt_list.split("id=\"liaisons\"").nth(1).unwrap();
    assert!(zt_list.contains("李联络") && zt_list.contains("王联络") && zt_list.contains("data-confirm"));

    let (status, disposition, bytes) = download(&a, "/liaisons/export.xlsx", &zt).await;
    assert_eq!(status, StatusCode::OK);
    assert!(disposition.contains("filename*=UTF-8''"));
    let rows = table_rows("联络员名单.xlsx", &bytes, "姓名");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().any(|r| r["姓名"] == "王联络" && r["部门"] == "民政部门" && r["地区"].contains("昭通市")));

    // The county cannot delete the prefecture's liaison; the prefecture can.
    let all = duijie_store::liaisons::in_scope(&a.t.db, &duijie_domain::RegionCode::national()).await.unwrap();
    let wang = all.iter().find(|l| l.name == "王联络").unwrap().id;
    let r = a.post_form(&format!("/liaisons/{wang}/delete"), &yl, &[("_csrf", &yl_csrf)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(a.post_form("/liaisons/999999/delete", &zt, &[("_csrf", &zt_csrf)]).await.status, StatusCode::NOT_FOUND);
    let r = a.post_form(&format!("/liaisons/{wang}/delete"), &zt, &[("_csrf", &zt_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(duijie_store::liaisons::get(&a.t.db, wang).await.unwrap().is_none());

    // The API: anyone looks up; officers add in scope only.
    let org_token = a.token("org_yl").await;
    let found = a.api("GET", "/api/v1/liaisons?region=530628", Some(&org_token), None).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.json().as_array().unwrap().len(), 1);
    assert_eq!(found.json()[0]["name"], "李联络");
    let new = json!({"region": "530628", "department": "civil_affairs", "name": "陈联络", "phone": "13800000003"});
    assert_eq!(a.api("POST", "/api/v1/liaisons", Some(&org_token), Some(new.clone())).await.status, StatusCode::FORBIDDEN);
    let yl_token = a.token("yl_xz").await;
    let created = a.api("POST", "/api/v1/liaisons", Some(&yl_token), Some(new)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["department_name"], "民政部门");
    let out = a.api("POST", "/api/v1/liaisons", Some(&yl_token), Some(json!({"region": "530627", "department": "civil_affairs", "name": "外县", "phone": "13800000004"}))).await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(out.json()["fields"][0]["field"], "region");
}

/// The liaison's region is typed as people write it: a short name, the full
/// name the platform shows, or the code.
async fn a_liaison_region_is_typed_by_name_or_code(a: App) {
    let (zt, zt_csrf) = a.login("zt_mz").await;
    for (region, person, code) in [("彝良县", "赵联络", "530628"), ("云南省昭通市镇雄县", "钱联络", "530627"), ("530602", "孙联络", "530602")] {
        let r = a
            .post_form("/liaisons", &zt, &[("_csrf", &zt_csrf), ("region", region), ("department", "civil_affairs"), ("name", person), ("title", "科员"), ("phone", "0870-7654321")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{region}: {}", r.body);
        let all = duijie_store::liaisons::in_scope(&a.t.db, &duijie_domain::RegionCode::national()).await.unwrap();
        assert!(all.iter().any(|l| l.name == person && l.region_code == code), "{region} is {code}");
    }
    let r = a.post_form("/liaisons", &zt, &[("_csrf", &zt_csrf), ("region", "不存在县"), ("department", "civil_affairs"), ("name", "周联络"), ("phone", "0870-7654321")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("找不到地区“不存在县”"), "{}", r.body);
}
