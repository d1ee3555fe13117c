//! Region and organisation fields read by name (issue 17, item 6), as a person
//! without JavaScript uses them, and what the pickers offer to those with it:
//! a county officer records a demand for 荞山镇 and for a village by typing
//! names; a name that fits several regions is refused with the candidates
//! named and nothing written; a provincial officer proposes a pairing naming
//! the organisation and the county by name; the cascading picker offers only
//! the caller's subtree (the whole country to a visitor of the public
//! application form); the organisation picker answers only logged-in users,
//! from the public registry; list filters read region names too.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`).

use crate::support::{App, both};
use axum::http::StatusCode;
use serde_json::Value;

both!(
    a_county_records_demands_naming_the_township_and_the_village,
    a_name_that_fits_several_regions_is_refused_with_the_candidates_and_nothing_written,
    an_officer_proposes_a_pairing_naming_the_organisation_and_the_county,
    the_region_picker_offers_the_callers_subtree_level_by_level,
    the_organisation_picker_suggests_registered_organisations_to_logged_in_users,
    list_filters_take_region_names,
    names_longer_than_any_region_or_organisation_are_refused_before_any_lookup,
);

fn demand_form<'a>(csrf: &'a str, target: &'a str, region: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("title", "测试·按名称填写地区"),
        ("field", "教育"),
        ("target_kind", target),
        ("region", region),
        ("mode", "capacity"),
        ("urgency", "1"),
    ]
}

async fn demand_region(a: &App, cookie: &str, location: &str) -> String {
    let id: i64 = location.trim_start_matches("/demands/").split('?').next().unwrap().parse().expect("redirect to the new demand");
    let sql = format!("SELECT region_code FROM demands WHERE id = {id}");
    let _ = a.get(location, cookie).await;
    duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).fetch_one(p).await).unwrap()
}

async fn add_village(a: &App) {
    let sql = "INSERT INTO regions (code, name, level, parent_code) VALUES ('530628102202', '洛泽河村民委员会', 'village', '530628102')";
    duijie_store::on_db!(&a.t.db, p => sqlx::query(sql).execute(p).await.map(|_| ())).unwrap();
}

async fn a_county_records_demands_naming_the_township_and_the_village(a: App) {
    let (cookie, csrf) = a.login("yl_xz").await;
    let r = a.post_form("/demands/new", &cookie, &demand_form(&csrf, "township", "荞山镇")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(demand_region(&a, &cookie, r.location()).await, "530628105", "荞山镇 of 彝良县");
    // The full name the platform shows is read back too.
    let r = a.post_form("/demands/new", &cookie, &demand_form(&csrf, "township", "云南省昭通市彝良县荞山镇")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A village after its township.
    add_village(&a).await;
    let r = a.post_form("/demands/new", &cookie, &demand_form(&csrf, "village", "洛泽河镇洛泽河村民委员会")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(demand_region(&a, &cookie, r.location()).await, "530628102202");
    // A region outside the county is not found by name.
    let r = a.post_form("/demands/new", &cookie, &demand_form(&csrf, "county", "镇雄县")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("在云南省昭通市彝良县找不到“镇雄县”"), "{}", r.body);
    assert!(r.body.contains("value=\"镇雄县\""), "the typed text is kept");
}

async fn a_name_that_fits_several_regions_is_refused_with_the_candidates_and_nothing_written(a: App) {
    let before = a.scalar("SELECT COUNT(*) FROM demands").await;
    let (cookie, csrf) = a.login("yn_xz").await;
    // Yunnan has four towns called 马街镇 (their counties differ).
    let r = a.post_form("/demands/new", &cookie, &demand_form(&csrf, "township", "马街镇")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = r.body.split("id=\"error-region\"").nth(1).expect("the error is under the region field");
    let error = error.split("</p>").next().unwrap();
    assert!(error.contains("有 4 个地区叫“马街镇”") && error.contains("云南省") && error.contains("马街镇（53"), "candidates by full name and code: {error}");
    assert_eq!(a.scalar("SELECT COUNT(*) FROM demands").await, before, "nothing written");
}

async fn an_officer_proposes_a_pairing_naming_the_organisation_and_the_county(a: App) {
    let batch = duijie_store::pairing::batches(&a.t.db).await.unwrap().into_iter().find(|b| !b.is_published() && b.region_code == "53").expect("an open batch of Yunnan");
    let (cookie, csrf) = a.login("yn_xz").await;
    let batch_id = batch.id.to_string();
    let form = |org: &'static str, region: &'static str| {
        vec![("_csrf", csrf.clone()), ("batch_id", batch_id.clone()), ("kind", "county".into()), ("credit_code", org.into()), ("region", region.into()), ("commitments", "助学".into())]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let (a, cookie) = (&a, &cookie);
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            a.post_form("/pairing/new", cookie, &f).await
        }
    };
    // A part of a name several organisations share is refused with them named.
    let r = post(form("演示", "镇雄县")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("家组织名称含“演示”") && r.body.contains("演示·彝良县助学服务中心（"), "{}", r.body);
    // The full name and the county's short name are enough.
    let r = post(form("演示·彝良县助学服务中心", "镇雄县")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(r.location(), &cookie).await;
    assert!(page.body.contains("演示·彝良县助学服务中心") && page.body.contains("镇雄县"), "{}", page.body);
}

async fn the_region_picker_offers_the_callers_subtree_level_by_level(a: App) {
    let pick = |cookie: String, query: &'static str| {
        let a = &a;
        async move {
            let r = a.get(&format!("/pick/regions?{query}"), &cookie).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json()
        }
    };
    let labels = |v: &Value| v["columns"].as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let (yn, _) = a.login("yn_xz").await;
    let at = pick(yn.clone(), "code=530628&deepest=village").await;
    assert_eq!(labels(&at), ["市", "县", "乡镇"], "Yunnan's officer starts below the province");
    assert_eq!(at["name"], "云南省昭通市彝良县");
    assert_eq!(at["columns"][1]["chosen"], "530628");
    assert!(at["columns"][2]["choices"].as_array().unwrap().iter().any(|c| c["name"] == "荞山镇"));
    // Not deeper than asked, and never outside the caller's subtree.
    assert_eq!(labels(&pick(yn.clone(), "code=530628&deepest=county").await), ["市", "县"]);
    let outside = pick(yn, "code=3201&deepest=county").await;
    assert_eq!(outside["root"], "53");
    assert!(!outside.to_string().contains("南京市"), "{outside}");
    let (yl, _) = a.login("yl_xz").await;
    assert_eq!(labels(&pick(yl, "").await), ["乡镇"], "a county officer picks within the county");
    // A visitor (the public application form) starts at the provinces.
    let anon = pick(String::new(), "deepest=county").await;
    assert_eq!(labels(&anon), ["省"]);
    assert!(anon["columns"][0]["choices"].as_array().unwrap().len() >= 31);
}

async fn the_organisation_picker_suggests_registered_organisations_to_logged_in_users(a: App) {
    let (cookie, _) = a.login("yn_xz").await;
    let r = a.get("/pick/orgs?q=%E5%8A%A9%E5%AD%A6", &cookie).await; // 助学
    assert_eq!(r.status, StatusCode::OK);
    let found = r.json();
    let names: Vec<&str> = found.as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"演示·彝良县助学服务中心"), "{found}");
    assert!(found[0]["credit_code"].as_str().unwrap().len() == 18 && found[0]["place"].as_str().unwrap().starts_with("云南省"), "{found}");
    // A visitor is sent to log in.
    let anon = a.get("/pick/orgs?q=%E5%8A%A9%E5%AD%A6", "").await;
    assert_ne!(anon.status, StatusCode::OK);
}

async fn list_filters_take_region_names(a: App) {
    let (cookie, _) = a.login("yn_xz").await;
    let r = a.get("/orgs?region=%E5%BD%9D%E8%89%AF%E5%8E%BF", &cookie).await; // 彝良县
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("演示·彝良县助学服务中心") && !r.body.contains("演示·云南省乡村发展促进会"), "{}", r.body);
    let r = a.get("/orgs?region=%E9%A9%AC%E8%A1%97%E9%95%87", &cookie).await; // 马街镇
    assert!(r.body.contains("有 4 个地区叫“马街镇”"), "a name several regions share is explained: {}", r.body);
    let r = a.get("/pairing?region=%E5%BD%9D%E8%89%AF%E5%8E%BF", &cookie).await; // 彝良县
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("演示·彝良县助学服务中心"), "{}", r.body);
}

/// Reading a name scans the region tree once per way of splitting it (and
/// asks the registry once per member line): a text longer than any name, or
/// a members box longer than a team, is refused before any of that work.
async fn names_longer_than_any_region_or_organisation_are_refused_before_any_lookup(a: App) {
    let before = a.scalar("SELECT COUNT(*) FROM demands").await;
    let (cookie, csrf) = a.login("yl_xz").await;
    let long = "荞".repeat(2_000);
    let r = a.post_form("/demands/new", &cookie, &demand_form(&csrf, "village", &long)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("地区名称过长（最多 60 字）"), "{}", &r.body[..r.body.len().min(2000)]);
    let r = a.get(&format!("/demands?region={}", "%E8%8D%9E".repeat(2_000)), &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "a list filtered by a name no region has answers");
    assert_eq!(a.scalar("SELECT COUNT(*) FROM demands").await, before);

    let (cookie, csrf) = a.login("yn_xz").await;
    let batch = duijie_store::pairing::batches(&a.t.db).await.unwrap().into_iter().find(|b| !b.is_published() && b.region_code == "53").unwrap();
    let members = (0..200).map(|i| format!("演示组织{i} 分工")).collect::<Vec<_>>().join("\n");
    let r = a
        .post_form("/pairing/teams/new", &cookie, &[("_csrf", &csrf), ("name", "测试帮扶团"), ("batch_id", &batch.id.to_string()), ("lead", &"演".repeat(500)), ("members", &members), ("counties", "镇雄县")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors: Vec<&str> = r.body.split("class=\"field-error\"").skip(1).map(|e| e.split("</p>").next().unwrap_or("")).collect();
    // The 200 lines were not looked up one by one: the box is read as codes only (a name would have been searched: "平台上没有名称含…").
    assert!(errors.iter().any(|e| e.contains("第 1 行：统一社会信用代码无效")) && errors.iter().any(|e| e.contains("组织名称过长")), "{errors:?}");
}
