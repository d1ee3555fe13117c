//! Group pairing (组团式帮扶) through the pages: an officer or a lead
//! organisation forms a team (帮扶团) of members with their shares for one
//! county or several; every member and the county consent to their own
//! pairing only; one agreement names every member and its share; one signed
//! scan, uploaded by the lead (or the county), signs the team; lists, coverage and the official list export show the
//! team as one unit. Who may not see any of the team's pairings gets 404.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`).

use duijie_domain::pairing::Status as PStatus;
use crate::support::{App, both, multipart};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use duijie_store::pairing::{self, Batch, Pairing};
use http_body_util::BodyExt;
use tower::ServiceExt;

both!(
    a_team_is_consented_by_every_member_and_the_county_signed_once_and_listed_as_one_unit,
    the_team_form_names_each_bad_field_keeps_the_input_and_writes_nothing,
    a_lead_organisation_forms_a_team_for_two_counties_and_each_county_acts_on_its_own,
    a_team_is_formed_and_read_over_the_api,
);

const PDF: &[u8] = b"%PDF-1.4\n%scan of the team's stamped agreement\n%%EOF\n";
const TEAM: &str = "镇雄县乡村振兴帮扶团";
const LEAD: &str = "演示·云南省乡村发展促进会";
const MEMBER: &str = "演示·江苏省乡村振兴公益基金会";

async fn code_of(a: &App, name: &str) -> String {
    duijie_store::orgs::all(&a.t.db).await.unwrap().into_iter().find(|o| o.name == name).unwrap_or_else(|| panic!("demo organisation {name}")).credit_code
}

async fn second_batch(a: &App) -> Batch {
    pairing::batches(&a.t.db).await.unwrap().into_iter().find(|b| b.name == "第二批（演示）").expect("the demo's open batch")
}

async fn counts(a: &App) -> (i64, i64) {
    (a.scalar("SELECT COUNT(*) FROM pairings").await, a.scalar("SELECT COUNT(*) FROM pairing_teams").await)
}

/// The team's pairings as stored, in id order.
async fn team_pairings(a: &App, team: i64) -> Vec<Pairing> {
    let t = duijie_store::pairing::team::get(&a.t.db, team).await.unwrap().expect("the team").unscoped();
    t.pairings
}

fn team_id(location: &str) -> i64 {
    location.strip_prefix("/pairing/teams/").and_then(|s| s.split('?').next()).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("should go to the team's page, goes to {location:?}"))
}

async fn bytes_of(a: &App, path: &str, cookie: &str) -> (StatusCode, Vec<u8>) {
    let res = a.router.clone().oneshot(Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    (status, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

/// The agreement's `word/document.xml` (read with python3's own zipfile).
fn docx_xml(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agreement.docx");
    std::fs::write(&file, bytes).unwrap();
    let script = "import zipfile,sys; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read('word/document.xml').decode())";
    let out = std::process::Command::new("python3").arg("-c").arg(script).arg(&file).output().expect("python3 reads the .docx package");
    assert!(out.status.success(), "not a .docx: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

async fn step(a: &App, user: &str, team: i64, pairing: i64, step: &str) -> crate::support::Reply {
    let (cookie, _) = a.login(user).await;
    let page = a.get(&format!("/pairing/teams/{team}"), &cookie).await;
    let csrf = crate::support::csrf_of(&page.body);
    a.post_form(&format!("/pairing/teams/{team}/step"), &cookie, &[("_csrf", &csrf), ("pairing_id", &pairing.to_string()), ("step", step)]).await
}

async fn a_team_is_consented_by_every_member_and_the_county_signed_once_and_listed_as_one_unit(a: App) {
    let (lead, member) = (code_of(&a, LEAD).await, code_of(&a, MEMBER).await);
    let batch = second_batch(&a).await;
    let (cookie, csrf) = a.login("yn_xz").await;
    assert_eq!(a.get("/pairing/teams/new", &cookie).await.status, StatusCode::OK);
    // The lead and a member named, the other member by its credit code.
    let members = format!("{LEAD} 产业帮扶 30\n{member}，医疗健康，20");
    let form = [("_csrf", csrf.as_str()), ("name", TEAM), ("batch_id", &batch.id.to_string()), ("lead", LEAD), ("members", &members), ("counties", "镇雄县"), ("commitments", "共建高原特色产业与村医培训")];
    let r = a.post_form("/pairing/teams/new", &cookie, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = team_id(r.location());
    let ps = team_pairings(&a, id).await;
    assert_eq!(ps.len(), 2, "one pairing per member for the one county");
    assert!(ps.iter().all(|p| p.county_code.as_str() == "530627" && p.status == PStatus::Proposed && p.team_name == TEAM && p.team_lead == LEAD));
    assert_eq!((ps[0].org_name.as_str(), ps[0].team_role.as_str(), ps[0].funds_fen), (LEAD, "产业帮扶", 30_000_000));
    assert_eq!((ps[1].org_name.as_str(), ps[1].team_role.as_str(), ps[1].funds_fen), (MEMBER, "医疗健康", 20_000_000));
    assert_eq!(a.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'pairing_team.create'").await, 1);
    // The same team again: its name is taken in the batch, nothing more is written.
    let before = counts(&a).await;
    let again = a.post_form("/pairing/teams/new", &cookie, &form).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains(&format!("本批次已有名为“{TEAM}”的帮扶团")), "{}", again.body);
    assert_eq!(counts(&a).await, before);

    // Who sees the team: the county, the province, both members; not a stranger.
    let page = format!("/pairing/teams/{id}");
    for (user, want) in [("zx_xz", StatusCode::OK), ("yn_mz", StatusCode::OK), ("org_yn", StatusCode::OK), ("org_js", StatusCode::OK), ("yl_xz", StatusCode::NOT_FOUND), ("gz_xz", StatusCode::NOT_FOUND), ("org_cn", StatusCode::NOT_FOUND)] {
        let (c, _) = a.login(user).await;
        let r = a.get(&page, &c).await;
        assert_eq!(r.status, want, "{user} opening the team");
        if want == StatusCode::OK {
            for shown in [TEAM, LEAD, MEMBER, "产业帮扶", "医疗健康", "30.00 万元", "待双方同意"] {
                assert!(r.body.contains(shown), "{user} should read {shown} on the team page");
            }
        }
    }
    let (c, _) = a.login("zx_xz").await;
    assert_eq!(bytes_of(&a, &format!("{page}/agreement.docx"), &c).await.0, StatusCode::CONFLICT, "no agreement before every consent");

    // Each party consents to its own pairing only.
    assert_eq!(step(&a, "org_yn", id, ps[1].id, "org_consent").await.status, StatusCode::NOT_FOUND, "a member cannot open another member's pairing");
    assert_eq!(step(&a, "org_yn", id, ps[0].id, "county_consent").await.status, StatusCode::FORBIDDEN, "an organisation does not consent for the county");
    let other = pairing::list(&a.t.db, &duijie_domain::Scope::everything(), &pairing::Filter::default(), 1, 0).await.unwrap().0.remove(0);
    assert_eq!(step(&a, "zx_xz", id, other.id, "county_consent").await.status, StatusCode::NOT_FOUND, "a pairing outside the team is not reached through it");
    for (user, pid, s) in [("org_yn", ps[0].id, "org_consent"), ("org_js", ps[1].id, "org_consent"), ("zx_xz", ps[0].id, "county_consent"), ("zx_xz", ps[1].id, "county_consent")] {
        let r = step(&a, user, id, pid, s).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{user} {s}: {}", r.body);
        assert!(r.location().starts_with(&page), "back to the team: {}", r.location());
    }
    assert!(team_pairings(&a, id).await.iter().all(|p| p.status == PStatus::Consented));

    // One agreement names every member and its share.
    let (status, bytes) = bytes_of(&a, &format!("{page}/agreement.docx"), &c).await;
    assert_eq!(status, StatusCode::OK);
    let xml = docx_xml(&bytes);
    for shown in [
        format!("帮扶团：{TEAM}，牵头单位：{LEAD}"),
        format!("{LEAD}（统一社会信用代码：{lead}），结对云南省昭通市镇雄县，分工：产业帮扶，承担资金30.00万元。"),
        format!("{MEMBER}（统一社会信用代码：{member}），结对云南省昭通市镇雄县，分工：医疗健康，承担资金20.00万元。"),
        format!("成员单位（盖章）：{MEMBER}"),
        "云南省昭通市镇雄县乡村振兴局".to_string(),
        "50.00万元".to_string(),
    ] {
        assert!(xml.contains(&shown), "the team's agreement should read {shown}");
    }

    // The lead uploads one signed scan for the whole team, and every member may read it.
    let (lead_cookie, _) = a.login("org_yn").await;
    let page_body = a.get(&page, &lead_cookie).await.body;
    assert!(page_body.contains("id=\"team-signed-form\""), "the lead may upload for the team");
    let csrf = crate::support::csrf_of(&page_body);
    let (ct, body) = multipart(&[("_csrf", &csrf)], "帮扶团协议.pdf", PDF);
    let r = a.send(Request::post(format!("{page}/signed")).header(header::COOKIE, &lead_cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ps = team_pairings(&a, id).await;
    assert!(ps.iter().all(|p| p.status == PStatus::Signed), "{:?}", ps.iter().map(|p| &p.status).collect::<Vec<_>>());
    let file = ps[0].signed_file_id.expect("a signed file");
    assert!(ps.iter().all(|p| p.signed_file_id == Some(file)), "one file for the team");
    assert_eq!(a.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'pairing_team.sign'").await, 1);
    for (user, want) in [("org_js", StatusCode::OK), ("org_yn", StatusCode::OK), ("org_cn", StatusCode::NOT_FOUND)] {
        let (uc, _) = a.login(user).await;
        assert_eq!(bytes_of(&a, &format!("/pairing/files/{file}"), &uc).await.0, want, "{user} reading the team's signed scan");
    }
    // Only an officer who manages the pairing confirms it, from the team page too.
    assert_eq!(step(&a, "org_js", id, ps[1].id, "activate").await.status, StatusCode::FORBIDDEN);
    assert_eq!(step(&a, "zx_xz", id, ps[1].id, "activate").await.status, StatusCode::SEE_OTHER);
    assert_eq!(team_pairings(&a, id).await[1].status, PStatus::Active);
    // Each member's own page names the team and its share.
    let (org_js, _) = a.login("org_js").await;
    let own = a.get(&format!("/pairing/{}", ps[1].id), &org_js).await;
    assert!(own.body.contains(&format!("组团：{TEAM}（牵头：{LEAD}）")) && own.body.contains("分工：医疗健康"), "{}", own.body);

    // Lists, coverage and the official export show the team as one unit.
    let label = format!("组团：{TEAM}（牵头：{LEAD}）");
    assert!(a.get("/pairing", &c).await.body.contains(&label), "the county's list names the team");
    let (yn, _) = a.login("yn_xz").await;
    let cov = a.get("/pairing/coverage?targets=national_key:53", &yn).await;
    assert!(cov.body.contains(&label), "coverage names the team over its members");
    let token = a.token("yn_xz").await;
    let api = a.api("GET", "/api/v1/pairing/coverage?targets=national_key:53", Some(&token), None).await.json();
    let zhenxiong = api["counties"].as_array().unwrap().iter().find(|c| c["code"] == "530627").expect("镇雄县 in the coverage");
    let teamed: Vec<&serde_json::Value> = zhenxiong["organizations"].as_array().unwrap().iter().filter(|o| o["team_id"] == id).collect();
    assert_eq!(teamed.len(), 2, "the API's coverage marks both members with their team: {zhenxiong}");
    assert!(teamed.iter().all(|o| o["team_name"] == TEAM && o["team_lead"] == LEAD));
    let (status, bytes) = bytes_of(&a, &format!("/pairing/batches/{}/list.xlsx", batch.id), &yn).await;
    assert_eq!(status, StatusCode::OK);
    let (rows, errors) = duijie_office::pairing_list::read_pairing_list("导出.xlsx", &bytes).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let at = rows.iter().position(|(_, r)| r.org_name == LEAD && r.county == "镇雄县").expect("the lead's row");
    let (lead_row, member_row) = (&rows[at].1, &rows[at + 1].1);
    assert_eq!(member_row.org_name, MEMBER, "the members stand together");
    assert!(lead_row.note.starts_with(&format!("组团式：{TEAM}（牵头：{LEAD}；分工：产业帮扶，承担30.00万元）")), "{:?}", lead_row.note);
    assert!(member_row.note.starts_with(&format!("组团式：{TEAM}（牵头：{LEAD}；分工：医疗健康，承担20.00万元）")), "{:?}", member_row.note);
    assert_eq!(member_row.credit_code, member);
}

async fn the_team_form_names_each_bad_field_keeps_the_input_and_writes_nothing(a: App) {
    let (lead, member) = (code_of(&a, LEAD).await, code_of(&a, MEMBER).await);
    let batch = second_batch(&a).await.id.to_string();
    let (cookie, csrf) = a.login("yn_xz").await;
    let before = counts(&a).await;
    let typed = format!("123 产业帮扶 30\n{lead} 教育");
    let r = a.post_form("/pairing/teams/new", &cookie, &[("_csrf", &csrf), ("name", ""), ("batch_id", ""), ("lead", "123"), ("members", &typed), ("counties", "520102")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in ["请填写帮扶团名称", "请选择批次", "统一社会信用代码应为 18 位", "第 1 行", "不在本单位管辖范围内", "123 产业帮扶 30"] {
        assert!(r.body.contains(msg), "the form should show {msg:?}");
    }
    assert_eq!(r.body.matches("class=\"field-error\"").count(), 5, "one message under each of the five wrong fields");
    // A lead outside the members; a team of one member for one county.
    let members = format!("{member} 医疗健康");
    let r = a.post_form("/pairing/teams/new", &cookie, &[("_csrf", &csrf), ("name", TEAM), ("batch_id", &batch), ("lead", &lead), ("members", &members), ("counties", "镇雄县")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("牵头单位须列在成员中"), "{}", r.body);
    let r = a.post_form("/pairing/teams/new", &cookie, &[("_csrf", &csrf), ("name", TEAM), ("batch_id", &batch), ("lead", &member), ("members", &members), ("counties", "镇雄县")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("至少两家成员"), "{}", r.body);
    // A member already paired with the county: the whole team is refused, naming it.
    let members = format!("{lead} 产业帮扶\n{}", code_of(&a, "演示·彝良县助学服务中心").await + " 教育");
    let r = a.post_form("/pairing/teams/new", &cookie, &[("_csrf", &csrf), ("name", TEAM), ("batch_id", &batch), ("lead", &lead), ("members", &members), ("counties", "彝良县")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("演示·彝良县助学服务中心与云南省昭通市彝良县：该组织与该对象已有未结束的结对或提议"), "{}", r.body);
    assert_eq!(counts(&a).await, before, "nothing is written");
    // An organisation forms only teams it leads.
    let (org, org_csrf) = a.login("org_js").await;
    let members = format!("{lead} 产业帮扶\n{}", code_of(&a, "演示·云南省电子商务协会").await + " 消费帮扶");
    let r = a.post_form("/pairing/teams/new", &org, &[("_csrf", &org_csrf), ("name", TEAM), ("batch_id", &batch), ("members", &members), ("counties", "镇雄县")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("社会组织只能组建由本组织牵头的帮扶团"), "{}", r.body);
    assert_eq!(counts(&a).await, before);
}

async fn a_lead_organisation_forms_a_team_for_two_counties_and_each_county_acts_on_its_own(a: App) {
    let lead = code_of(&a, LEAD).await;
    let batch = second_batch(&a).await.id.to_string();
    let (cookie, csrf) = a.login("org_yn").await;
    let form = a.get("/pairing/teams/new", &cookie).await;
    assert!(!form.body.contains("id=\"lead\""), "an organisation leads itself");
    let members = format!("{lead} 消费帮扶 12.5");
    let r = a.post_form("/pairing/teams/new", &cookie, &[("_csrf", &csrf), ("name", "昭通市消费帮扶团"), ("batch_id", &batch), ("members", &members), ("counties", "镇雄县、530602")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = team_id(r.location());
    let ps = team_pairings(&a, id).await;
    assert_eq!(ps.iter().map(|p| p.county_code.as_str()).collect::<Vec<_>>(), vec!["530627", "530602"], "one pairing per county");
    assert!(ps.iter().all(|p| p.org_consent_at.is_some() && p.county_consent_at.is_none()), "the lead consented by forming the team");
    // 镇雄县 sees the team and consents for itself; it cannot consent for 昭阳区.
    assert_eq!(step(&a, "zx_xz", id, ps[1].id, "county_consent").await.status, StatusCode::NOT_FOUND);
    assert_eq!(step(&a, "zx_xz", id, ps[0].id, "county_consent").await.status, StatusCode::SEE_OTHER);
    let (zx, _) = a.login("zx_xz").await;
    let page = a.get(&format!("/pairing/teams/{id}"), &zx).await;
    assert!(page.body.contains("云南省昭通市镇雄县、云南省昭通市昭阳区"), "the page names both counties");
    assert!(page.body.contains("id=\"agreement-waiting\""), "昭阳区 has not consented yet");
    assert!(!page.body.contains("id=\"team-signed-form\""), "nothing to sign yet");
    // An organisation of neither side does not see it.
    let (other, _) = a.login("org_yl").await;
    assert_eq!(a.get(&format!("/pairing/teams/{id}"), &other).await.status, StatusCode::NOT_FOUND);
}

async fn a_team_is_formed_and_read_over_the_api(a: App) {
    let (lead, member) = (code_of(&a, LEAD).await, code_of(&a, MEMBER).await);
    let batch = second_batch(&a).await.id;
    let token = a.token("yn_xz").await;
    let bad = a.api("POST", "/api/v1/pairing/teams", Some(&token), Some(serde_json::json!({"name": "", "batch_id": batch, "lead": lead, "members": format!("{lead} 产业帮扶"), "counties": "镇雄县"}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("请填写帮扶团名称") && bad.body.contains("至少两家成员"), "{}", bad.body);
    let body = serde_json::json!({"name": TEAM, "batch_id": batch, "lead": lead, "members": format!("{lead} 产业帮扶 30\n{member} 医疗健康"), "counties": "530627"});
    let r = a.api("POST", "/api/v1/pairing/teams", Some(&token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let got = a.api("GET", &format!("/api/v1/pairing/teams/{id}"), Some(&a.token("org_js").await), None).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let t = got.json();
    assert_eq!((t["name"].as_str(), t["lead_name"].as_str(), t["counties"].as_str(), t["agreed"].as_bool()), (Some(TEAM), Some(LEAD), Some("云南省昭通市镇雄县"), Some(false)));
    let members = t["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!((members[0]["team_role"].as_str(), members[0]["funds_wan"].as_str(), members[0]["team_id"].as_i64()), (Some("产业帮扶"), Some("30.00"), Some(id)));
    assert_eq!((members[1]["org_name"].as_str(), members[1]["team_role"].as_str()), (Some(MEMBER), Some("医疗健康")));
    // A member consents to its own pairing through the ordinary pairing API.
    let pid = members[1]["id"].as_i64().unwrap();
    let r = a.api("POST", &format!("/api/v1/pairings/{pid}/steps"), Some(&a.token("org_js").await), Some(serde_json::json!({"step": "org_consent"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for outsider in ["gz_xz", "org_cn", "yl_xz"] {
        let r = a.api("GET", &format!("/api/v1/pairing/teams/{id}"), Some(&a.token(outsider).await), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{outsider}: {}", r.body);
    }
}
