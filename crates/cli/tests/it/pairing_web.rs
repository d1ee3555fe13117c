//! The pairing pages as officers and organisations use them: who sees which
//! pairing, forms that name each bad field, adjustment requests with their
//! formal document through both departments, the official list imported with a
//! preview, and the list as it stood on a past date.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`).

use duijie_domain::pairing::Status as PStatus;
use crate::support::{App, both, csrf_of, multipart};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use duijie_domain::Principal;
use duijie_store::pairing::{self, Pairing};
use http_body_util::BodyExt;
use tower::ServiceExt;

both!(
    a_pairing_is_seen_by_its_two_sides_and_their_superiors_only,
    the_proposal_form_names_each_bad_field_keeps_the_input_and_writes_nothing,
    an_adjustment_goes_through_both_departments_with_its_document,
    the_official_list_is_previewed_with_its_errors_then_imported,
    a_published_list_can_be_read_as_it_stood_on_any_date,
    an_organisation_withdraws_its_own_proposal_and_gets_no_agreement_before_consent,
    an_officer_proposes_an_enterprise_village_pairing_and_sees_every_error,
    the_adjustment_form_offers_the_listed_pairings_to_change_or_end,
    an_infeasible_plan_groups_its_counties_by_reason_and_says_what_is_missing,
);

const PDF: &[u8] = b"%PDF-1.4\n%scan of a stamped letter\n%%EOF\n";

async fn demo_pairing(a: &App, org: &str, county: &str) -> Pairing {
    let everyone = Principal::platform();
    let (all, _) = pairing::list(&a.t.db, &everyone.scope(), &pairing::Filter::default(), 500, 0).await.unwrap();
    all.into_iter().find(|p| p.org_name == org && p.county_code.as_str() == county).unwrap_or_else(|| panic!("demo pairing {org} {county}"))
}

async fn count_pairings(a: &App) -> i64 {
    duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pairings").fetch_one(p).await).unwrap()
}

async fn post_multipart(a: &App, path: &str, cookie: &str, fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> crate::support::Reply {
    let (ct, body) = multipart(fields, file_name, file);
    a.send(Request::post(path).header(header::COOKIE, cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap()).await
}

async fn a_pairing_is_seen_by_its_two_sides_and_their_superiors_only(a: App) {
    let yiliang = demo_pairing(&a, "演示·彝良县助学服务中心", "530628").await;
    let guangxi = demo_pairing(&a, "演示·江苏省乡村振兴公益基金会", "450124").await;
    let page = |id: i64| format!("/pairing/{id}");
    for (user, id, want) in [
        ("yl_xz", yiliang.id, StatusCode::OK),
        ("yn_mz", yiliang.id, StatusCode::OK),
        ("org_yl", yiliang.id, StatusCode::OK),
        ("zx_xz", yiliang.id, StatusCode::NOT_FOUND),
        ("org_yn", yiliang.id, StatusCode::NOT_FOUND),
        ("gz_xz", yiliang.id, StatusCode::NOT_FOUND),
        // 江苏省民政厅 follows its own organisations wherever they pair.
        ("js_mz", guangxi.id, StatusCode::OK),
        ("yn_xz", guangxi.id, StatusCode::NOT_FOUND),
    ] {
        let (cookie, _) = a.login(user).await;
        let r = a.get(&page(id), &cookie).await;
        assert_eq!(r.status, want, "{user} opening pairing {id}");
        let doc = a.get(&format!("/pairing/{id}/agreement.docx"), &cookie).await;
        assert_eq!(doc.status, want, "{user} downloading the agreement of pairing {id}");
        if want == StatusCode::OK {
            assert!(doc.body.starts_with("PK"), "a .docx is a zip");
        }
    }
    // A county officer's list holds its own county's pairings only.
    let (cookie, _) = a.login("zx_xz").await;
    let list = a.get("/pairing", &cookie).await;
    assert!(!list.body.contains("彝良县助学服务中心"), "镇雄县 does not see 彝良县's pairing");
    let (cookie, _) = a.login("yl_xz").await;
    assert!(a.get("/pairing", &cookie).await.body.contains("演示·彝良县助学服务中心"));
    // A county officer reads the coverage of the prefecture and province above it
    // (read-only, no plan form), not that of a neighbouring prefecture.
    let cov = a.get("/pairing/coverage?targets=national_key:5306", &cookie).await;
    assert_eq!(cov.status, StatusCode::OK, "彝良县 reads 昭通市's coverage");
    assert!(cov.body.contains("彝良县") && !cov.body.contains("id=\"plan-form\""));
    let cov = a.get("/pairing/coverage?targets=national_key:5301", &cookie).await;
    assert_eq!(cov.status, StatusCode::NOT_FOUND, "昆明市 is not above 彝良县");
}

async fn the_proposal_form_names_each_bad_field_keeps_the_input_and_writes_nothing(a: App) {
    let (cookie, csrf) = a.login("yn_xz").await;
    let before = count_pairings(&a).await;
    let r = a
        .post_form("/pairing/new", &cookie, &[("_csrf", &csrf), ("batch_id", ""), ("kind", "county"), ("credit_code", "123"), ("region", "5306"), ("funds_wan", "五十"), ("commitments", "帮助建设村级卫生室")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in ["请选择批次", "应填写县级代码（6 位）", "万元", "帮助建设村级卫生室"] {
        assert!(r.body.contains(msg), "the form should show {msg:?}");
    }
    assert_eq!(count_pairings(&a).await, before);
    // Without the form's token nothing happens either.
    let forged = a.post_form("/pairing/new", &cookie, &[("_csrf", "forged"), ("batch_id", "1"), ("region", "530627")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(count_pairings(&a).await, before);
}

async fn an_adjustment_goes_through_both_departments_with_its_document(a: App) {
    let p = demo_pairing(&a, "演示·彝良县助学服务中心", "530628").await;
    let (cookie, _) = a.login("org_yl").await;
    let form = a.get(&format!("/pairing/adjustments/new?pairing={}&op=end", p.id), &cookie).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = csrf_of(&form.body);
    let fields = [
        ("_csrf", csrf.as_str()),
        ("op", "end"),
        ("batch_id", &p.batch_id.to_string()),
        ("pairing_id", &p.id.to_string()),
        ("doc_no", "彝助字〔2026〕3号"),
        ("reason", "本中心业务调整，申请终止与彝良县的结对"),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, *v)).collect();
    // A program disguised as a scan is refused, and nothing is filed.
    let bad = post_multipart(&a, "/pairing/adjustments/new", &cookie, &fields, "请示.pdf", b"MZ\x90\x00 not a pdf").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("PDF"), "{}", bad.body);
    let ok = post_multipart(&a, "/pairing/adjustments/new", &cookie, &fields, "请示.pdf", PDF).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let detail = ok.location().split('?').next().unwrap().to_string();
    // 昭通市民政局 is not the level that issued Yunnan's list.
    let (zt, _) = a.login("zt_mz").await;
    let page = a.get(&detail, &zt).await;
    assert!(!page.body.contains("id=\"approve\""), "no approval button for the prefecture");
    let id = detail.rsplit('/').next().unwrap();
    let attempt = a.post_form(&format!("{detail}/approve"), &zt, &[("_csrf", &csrf_of(&page.body))]).await;
    assert!(matches!(attempt.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", attempt.status);
    // 云南省民政厅, then 云南省乡村振兴局.
    for (user, status) in [("yn_mz", "民政已同意，待乡村振兴部门审批"), ("yn_xz", "已批准")] {
        let (c, _) = a.login(user).await;
        let page = a.get(&detail, &c).await;
        assert!(page.body.contains("id=\"approve\""), "{user} sees the approval button");
        assert!(page.body.contains("请示.pdf"), "the document is attached");
        let r = a.post_form(&format!("{detail}/approve"), &c, &[("_csrf", &csrf_of(&page.body))]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(a.get(&detail, &c).await.body.contains(status), "after {user}: {status}");
    }
    let after = pairing::get(&a.t.db, p.id).await.unwrap().unwrap().unscoped();
    assert_eq!(after.status, PStatus::Ended);
    assert!(after.delisted_at.is_some());
    let adj = pairing::adjust::get(&a.t.db, id.parse().unwrap()).await.unwrap().unwrap().unscoped();
    let file = pairing::adjust::files_of(&a.t.db, adj.id).await.unwrap();
    assert_eq!(file.len(), 1);
    // The organisation is told.
    let (cookie, _) = a.login("org_yl").await;
    assert!(a.get("/inbox", &cookie).await.body.contains("结对调整申请已批准"));
}

async fn the_official_list_is_previewed_with_its_errors_then_imported(a: App) {
    use duijie_office::pairing_list::{ListRow, write_pairing_list};
    let (cookie, csrf) = a.login("yn_xz").await;
    let r = a.post_form("/pairing/batches", &cookie, &[("_csrf", &csrf), ("name", "第三批"), ("sign_deadline", "2026-12-31"), ("doc_no", "云民发〔2026〕9号")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let batch = pairing::batches(&a.t.db).await.unwrap().into_iter().find(|b| b.name == "第三批").unwrap();
    let template = a.get("/pairing/import/template.xlsx", &cookie).await;
    assert_eq!(template.status, StatusCode::OK);
    let org = duijie_store::orgs::all(&a.t.db).await.unwrap().into_iter().find(|o| o.name == "演示·云南省电子商务协会").unwrap();
    let good = ListRow { org_name: org.name.clone(), credit_code: org.credit_code.clone(), supervisor: org.supervisor.clone(), province: "云南省".into(), county: "东川区".into(), batch: "第三批".into(), note: String::new() };
    let wrong = ListRow { county: "大关县".into(), batch: "第九批".into(), ..good.clone() };
    let page = a.get("/pairing/import", &cookie).await;
    let csrf = csrf_of(&page.body);
    let upload = |rows: Vec<ListRow>| write_pairing_list("云南省社会组织结对帮扶名单（第三批）", &rows).unwrap();
    let fields = [("_csrf", csrf.as_str()), ("batch_id", &batch.id.to_string())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, *v)).collect();
    let before = count_pairings(&a).await;
    let preview = post_multipart(&a, "/pairing/import", &cookie, &fields, "名单.xlsx", &upload(vec![good.clone(), wrong])).await;
    assert_eq!(preview.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(preview.body.contains("第九批") && preview.body.contains("<td>4</td>"), "row 4's batch is named: {}", preview.body);
    assert!(!preview.body.contains("confirm-import"), "no confirmation while there are errors");
    assert_eq!(count_pairings(&a).await, before);
    let preview = post_multipart(&a, "/pairing/import", &cookie, &fields, "名单.xlsx", &upload(vec![good])).await;
    assert_eq!(preview.status, StatusCode::OK);
    let marker = "name=\"token\" value=\"";
    let start = preview.body.find(marker).expect("a confirmation form") + marker.len();
    let token = preview.body[start..].split('"').next().unwrap().to_string();
    let done = a.post_form("/pairing/import/confirm", &cookie, &[("_csrf", &csrf), ("token", &token)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(count_pairings(&a).await, before + 1);
    let again = a.post_form("/pairing/import/confirm", &cookie, &[("_csrf", &csrf), ("token", &token)]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "a preview is imported once");
    // The export of the batch reads back with the imported row.
    let res = a.router.clone().oneshot(Request::get(format!("/pairing/batches/{}/list.xlsx", batch.id)).header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let (rows, errors) = duijie_office::pairing_list::read_pairing_list("导出.xlsx", &bytes).unwrap();
    assert!(errors.is_empty());
    assert_eq!(rows.iter().map(|(_, r)| (r.org_name.as_str(), r.county.as_str())).collect::<Vec<_>>(), vec![("演示·云南省电子商务协会", "东川区")]);
    let pairings = pairing::list::current_rows(&a.t.db, &duijie_domain::Scope::everything(), &batch).await.unwrap();
    assert_eq!(pairings.len(), 1);
    assert_eq!(pairings[0].county_code.as_str(), "530113");
    assert_eq!(crate::support::workbook_receipt(&bytes), None, "a draft list is no record yet: no receipt");
    // Once published, the list's file carries the batch's log receipt and reads back as before.
    let published = a.post_form(&format!("/pairing/batches/{}/publish", batch.id), &cookie, &[("_csrf", &csrf)]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    let file = a.bytes(&format!("/pairing/batches/{}/list.xlsx", batch.id), &cookie).await;
    let receipt = duijie_app::log::receipt_of(&a.t.db, "pairing_batch", batch.id).await.unwrap().expect("the publication is in the log");
    let (line, codes) = crate::support::workbook_receipt(&file).expect("a published list carries a receipt");
    assert!(line.contains(&format!("第 {} 条 {}", receipt.index, receipt.leaf_hash)), "{line}");
    assert_eq!(codes, vec![format!("/public/verify?index={}&leaf={}", receipt.index, receipt.leaf_hash)]);
    let (rows, errors) = duijie_office::pairing_list::read_pairing_list("导出.xlsx", &file).unwrap();
    assert!(errors.is_empty() && rows.len() == 1, "the receipt's sheet does not disturb reading the list back");
}

async fn a_published_list_can_be_read_as_it_stood_on_any_date(a: App) {
    let (cookie, _) = a.login("yn_xz").await;
    let first = pairing::batches(&a.t.db).await.unwrap().into_iter().find(|b| b.name == "第一批（演示）" && b.region_code.as_str() == "53").unwrap();
    let before = a.get(&format!("/pairing/batches/{}?date=2023-11-09", first.id), &cookie).await;
    assert!(before.body.contains("id=\"empty-list\""), "the demo list was published on 2023-11-10");
    let on = a.get(&format!("/pairing/batches/{}?date=2023-11-10", first.id), &cookie).await;
    assert!(on.body.contains("2023-11-10 的名单（4）"), "{}", on.body);
    let bad = a.get(&format!("/pairing/batches/{}?date=昨天", first.id), &cookie).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn an_organisation_withdraws_its_own_proposal_and_gets_no_agreement_before_consent(a: App) {
    // Demo: 江苏省乡村振兴公益基金会 proposed itself for 会泽县, waiting for the county.
    let p = demo_pairing(&a, "演示·江苏省乡村振兴公益基金会", "530326").await;
    let (cookie, _) = a.login("org_js").await;
    let page = a.get(&format!("/pairing/{}", p.id), &cookie).await;
    assert!(page.body.contains("id=\"step-withdraw\""), "the proposer may withdraw");
    assert!(!page.body.contains("id=\"download-agreement\""));
    assert_eq!(a.get(&format!("/pairing/{}/agreement.docx", p.id), &cookie).await.status, StatusCode::CONFLICT, "no agreement before both agree");
    // The organisation that was only asked may decline, not withdraw.
    let asked = demo_pairing(&a, "演示·昭通市农业产业协会", "530602").await;
    let (yn, _) = a.login("yn_xz").await;
    assert!(!a.get(&format!("/pairing/{}", asked.id), &yn).await.body.contains("id=\"step-withdraw\""), "agreed pairings are not withdrawn");
    let r = a.post_form(&format!("/pairing/{}/step", p.id), &cookie, &[("_csrf", &csrf_of(&page.body)), ("step", "withdraw"), ("note", "改为明年结对")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(pairing::get(&a.t.db, p.id).await.unwrap().unwrap().unscoped().status, PStatus::Withdrawn);
}

/// 会员企业—村 proposed by an officer (yn_mz): the form names the organisation by
/// credit code, then offers its member enterprises; an error about a field the
/// form does not show yet (no member enterprise to choose) is said at the top,
/// never swallowed.
async fn an_officer_proposes_an_enterprise_village_pairing_and_sees_every_error(a: App) {
    let db = &a.t.db;
    let village = duijie_store::regions::RegionRow { code: "530628102203".into(), name: "发路村民委员会".into(), level: "village".into(), parent_code: "530628102".into() };
    let mut tx = db.begin().await.unwrap();
    duijie_store::regions::insert_rows(&mut tx, &[village]).await.unwrap();
    tx.commit().await.unwrap();
    let org = duijie_store::orgs::all(db).await.unwrap().into_iter().find(|o| o.name == "演示·彝良县助学服务中心").unwrap();
    let batch = pairing::batches(db).await.unwrap().into_iter().find(|b| !b.is_published()).expect("an open demo batch").id.to_string();
    let (cookie, csrf) = a.login("yn_mz").await;
    let before = count_pairings(&a).await;
    let post = |member: String| {
        let fields = [("_csrf", csrf.clone()), ("batch_id", batch.clone()), ("kind", "enterprise_village".into()), ("credit_code", org.credit_code.clone()), ("region", "530628102203".into()), ("member_id", member)];
        let (a, cookie) = (&a, &cookie);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            a.post_form("/pairing/new", cookie, &fields).await
        }
    };
    // The organisation has no member enterprise yet: the error is at the top.
    let r = post(String::new()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let top = r.body.split("id=\"form-error\"").nth(1).expect("the error is said at the top of the form");
    assert!(top.split("</div>").next().unwrap().contains("请选择会员企业"), "{}", r.body);
    assert!(!r.body.contains("id=\"member_id\""), "no member enterprise to choose");

    // Once it has one, the officer chooses it next to the field.
    let mut tx = db.begin().await.unwrap();
    let actor = duijie_store::Actor { user_id: None, name: "测试".into(), unit: "测试".into() };
    let member = duijie_store::orgs::add_member(&mut tx, &actor, &org, "彝良县绿源种养专业合作社", "93530628MA6K00001X").await.unwrap();
    tx.commit().await.unwrap();
    let r = post(String::new()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"member_id\"") && r.body.contains("彝良县绿源种养专业合作社"), "the member enterprises are offered");
    assert!(!r.body.contains("id=\"form-error\""), "the error stands next to the field now");
    assert!(r.body.contains("请选择会员企业"));
    assert_eq!(count_pairings(&a).await, before, "nothing was written");

    let r = post(member.to_string()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(count_pairings(&a).await, before + 1);
}

/// Opened from the menu (not from a pairing's page), the adjustment form lets
/// the organisation choose which of its listed pairings to change or end.
async fn the_adjustment_form_offers_the_listed_pairings_to_change_or_end(a: App) {
    let own = demo_pairing(&a, "演示·彝良县助学服务中心", "530628").await;
    let (cookie, _) = a.login("org_yl").await;
    let form = a.get("/pairing/adjustments/new?op=end", &cookie).await;
    assert_eq!(form.status, StatusCode::OK);
    let select = form.body.split("<select id=\"pairing_id\"").nth(1).expect("a field to choose the pairing").split("</select>").next().unwrap().to_string();
    assert!(select.contains(&format!("value=\"{}\"", own.id)) && select.contains("云南省昭通市彝良县"), "its own listed pairing is offered: {select}");
    assert!(!select.contains("演示·云南省乡村发展促进会"), "not another organisation's");
    let csrf = csrf_of(&form.body);
    let fields = [("_csrf", csrf.as_str()), ("op", "end"), ("batch_id", &own.batch_id.to_string()), ("pairing_id", &own.id.to_string()), ("doc_no", "彝助字〔2026〕4号"), ("reason", "申请终止结对")];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, *v)).collect();
    let ok = post_multipart(&a, "/pairing/adjustments/new", &cookie, &fields, "请示.pdf", PDF).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

/// A plan that cannot cover every county (昭通市's eleven counties, three
/// organisations each) names the counties grouped by reason — not one row per
/// county with bare codes — and says what would make it feasible.
async fn an_infeasible_plan_groups_its_counties_by_reason_and_says_what_is_missing(a: App) {
    let (cookie, csrf) = a.login("yn_xz").await;
    let r = a.post_form("/pairing/plans", &cookie, &[("_csrf", &csrf), ("targets", "counties:5306"), ("min", "3"), ("max", "3")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(r.location().split('?').next().unwrap(), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let table = page.body.split("id=\"plan-reasons\"").nth(1).expect("the reasons of an infeasible plan").split("</table>").next().unwrap().to_string();
    let rows = table.matches("<tr><td>").count();
    let counties: usize = table.split("（").skip(1).filter_map(|s| s.split(" 个）").next()).filter_map(|n| n.parse::<usize>().ok()).sum();
    assert!(counties >= 2 && rows < counties, "{counties} counties in {rows} rows: {table}");
    assert!(table.contains("彝良县") || table.contains("镇雄县"), "counties by name: {table}");
    assert!(!table.chars().collect::<Vec<_>>().windows(6).any(|w| w.iter().all(char::is_ascii_digit)), "no bare codes: {table}");
    assert!(table.contains("每县至少 3 家") || table.contains("还差"), "what would make it feasible: {table}");
}
