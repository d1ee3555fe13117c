//! Storage tests, run on SQLite and on PostgreSQL.
//!
//! Every test body below runs twice through `both!`: on a fresh SQLite file and
//! on a fresh PostgreSQL database from `DUIJIE_TEST_PG_URL` (the README's test
//! command sets it and starts the server). Without that variable the PostgreSQL
//! half fails on purpose, so a green run always means both backends passed.

use duijie_domain::crypto::hash_password;
use duijie_domain::{Principal, RegionCode, Role};
use duijie_store::audit::{self, Change, Verification};
use duijie_store::designations::{self, NewDesignation};
use duijie_store::regions::RegionTree;
use duijie_store::sessions::{self, Kind};
use duijie_store::users::{self, Login, UserChange};
use duijie_store::{Actor, Db, on_db, testing};

async fn sqlite() -> testing::TestDb {
    testing::fresh_sqlite().await.expect("sqlite test database")
}

async fn postgres() -> testing::TestDb {
    testing::fresh_postgres()
        .await
        .expect("postgres test database")
        .expect("DUIJIE_TEST_PG_URL is not set: run the README's test command (scripts/test.sh), which starts PostgreSQL")
}

macro_rules! both {
    ($($f:ident),* $(,)?) => {$(
        mod $f {
            #[tokio::test]
            async fn sqlite() { let t = super::sqlite().await; super::$f(&t.db).await }
            #[tokio::test]
            async fn postgres() { let t = super::postgres().await; super::$f(&t.db).await }
        }
    )*};
}

both!(
    reference_data_is_complete,
    designations_keep_their_history,
    audit_chain_detects_a_changed_row,
    audit_chain_detects_a_removed_last_row,
    repeated_wrong_passwords_lock_the_account,
    sessions_end_on_logout_expiry_and_disabling,
    listings_are_filtered_by_scope,
    listed_organisations_cannot_enrol_and_enrolment_is_once,
    liaisons_of_a_county_include_its_prefecture,
    the_catalogue_finds_words_within_scope_and_follows_changes,
    inbox_notices_reach_exactly_their_recipients,
    inbox_dedup_and_read_state,
);

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

async fn reference_data_is_complete(db: &Db) {
    assert_eq!(count(db, "SELECT COUNT(*) FROM regions WHERE level <> 'national'").await, 44_703);
    let tree = RegionTree::load(db).await.unwrap();
    // All but the NBS pseudo rows: three county rows repeating a city without
    // counties (东莞 441900, 中山 442000, 儋州 460400) and the township row 金门县.
    assert_eq!(tree.len(), 44_703 - 4);
    assert_eq!(tree.full_name(&code("441900003")), "广东省东莞市东城街道");
    assert!(tree.children(&code("4419")).iter().any(|n| n.name == "东城街道"));
    assert_eq!(tree.children(&RegionCode::national()).len(), 31);
    assert_eq!(tree.full_name(&code("530628")), "云南省昭通市彝良县");
    assert_eq!(tree.full_name(&code("110101")), "北京市东城区", "the NBS 市辖区 placeholder is not part of names");
    let yiliang: Vec<String> = designations::of_region(db, "530628").await.unwrap().into_iter().map(|d| d.kind).collect();
    assert!(yiliang.contains(&"national_key".to_string()));
    assert!(yiliang.contains(&"former_poverty".to_string()));
    assert_eq!(designations::current_of_kind(db, "national_key", "%").await.unwrap().len(), 93);
    // 832 counties, one of which (冷湖行委) has no 2023 code.
    assert_eq!(designations::current_of_kind(db, "former_poverty", "%").await.unwrap().len(), 831);
    assert_eq!(count(db, "SELECT COUNT(*) FROM designations WHERE kind LIKE 'zone_%'").await, 31);
    assert!(matches!(audit::verify(db).await.unwrap(), Verification::Intact { .. }));
}

fn officer() -> Actor {
    Actor { user_id: None, name: "yn_xz".into(), unit: "云南省乡村振兴局".into() }
}

async fn designations_keep_their_history(db: &Db) {
    let new = NewDesignation {
        region_code: "530627".into(),
        kind: "provincial_key".into(),
        valid_from: chrono::NaiveDate::from_ymd_opt(2022, 3, 1),
        source: "云南省重点帮扶县名单".into(),
        note: String::new(),
    };
    let mut tx = db.begin().await.unwrap();
    let id = designations::add(&mut tx, &officer(), &new).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    let again = designations::add(&mut tx, &officer(), &new).await;
    assert!(matches!(again, Err(duijie_store::Error::Conflict(_))), "a second current designation of the same kind is refused");
    drop(tx);

    let mut tx = db.begin().await.unwrap();
    designations::end(&mut tx, &officer(), id, "2024 年名单调整").await.unwrap();
    tx.commit().await.unwrap();

    let rows = designations::of_region(db, "530627").await.unwrap();
    let ended = rows.iter().find(|d| d.id == id).unwrap();
    assert_eq!(ended.end_reason.as_deref(), Some("2024 年名单调整"));
    assert_eq!(ended.valid_from, chrono::NaiveDate::from_ymd_opt(2022, 3, 1));
    assert!(designations::current_of_kind(db, "provincial_key", "530627").await.unwrap().is_empty());

    // Re-designating after the end is allowed and leaves both rows.
    let mut tx = db.begin().await.unwrap();
    designations::add(&mut tx, &officer(), &new).await.unwrap();
    tx.commit().await.unwrap();
    let rows = designations::of_region(db, "530627").await.unwrap();
    assert_eq!(rows.iter().filter(|d| d.kind == "provincial_key").count(), 2);

    let (audit_rows, _) = audit::recent(db, "530627%", 10, 0).await.unwrap();
    let audit_rows: Vec<_> = audit_rows.into_iter().filter(|r| r.entity == "designation").collect();
    let actions: Vec<&str> = audit_rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, vec!["designation.add", "designation.end", "designation.add"], "newest first");
    assert!(audit_rows[1].before_json.as_deref().unwrap().contains("云南省重点帮扶县名单"));
}

async fn some_audited_writes(db: &Db) {
    for i in 0..3 {
        let mut tx = db.begin().await.unwrap();
        audit::append(&mut tx, &officer(), Change {
            region: "53",
            action: "test.write",
            entity: "test",
            entity_id: &i.to_string(),
            before: None,
            after: Some(serde_json::json!({"i": i})),
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

async fn disable_append_only_guard(db: &Db) {
    match db {
        Db::Sqlite(p) => {
            sqlx::query("DROP TRIGGER audit_log_no_update").execute(p).await.unwrap();
            sqlx::query("DROP TRIGGER audit_log_no_delete").execute(p).await.unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change").execute(p).await.unwrap();
        }
    }
}

async fn audit_chain_detects_a_changed_row(db: &Db) {
    some_audited_writes(db).await;
    let Verification::Intact { rows } = audit::verify(db).await.unwrap() else { panic!("chain should be intact") };
    // The schema itself refuses changes to the log.
    let refused = on_db!(db, p => sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 1").execute(p).await.map(|_| ()));
    assert!(refused.is_err(), "audit_log must refuse UPDATE");
    // Someone with database access removes the guard and edits a row.
    disable_append_only_guard(db).await;
    let target = rows - 1;
    on_db!(db, p => sqlx::query("UPDATE audit_log SET after_json = '{\"i\":99}' WHERE seq = $1").bind(target).execute(p).await.map(|_| ())).unwrap();
    assert_eq!(audit::verify(db).await.unwrap(), Verification::Broken { seq: target, reason: "记录内容与其哈希不符（被改动）".into() });
}

async fn audit_chain_detects_a_removed_last_row(db: &Db) {
    some_audited_writes(db).await;
    let Verification::Intact { rows } = audit::verify(db).await.unwrap() else { panic!("chain should be intact") };
    disable_append_only_guard(db).await;
    on_db!(db, p => sqlx::query("DELETE FROM audit_log WHERE seq = $1").bind(rows).execute(p).await.map(|_| ())).unwrap();
    assert!(matches!(audit::verify(db).await.unwrap(), Verification::Broken { seq, .. } if seq == rows));
    // Removing a row in the middle is caught as a gap.
    on_db!(db, p => sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(p).await.map(|_| ())).unwrap();
    assert!(matches!(audit::verify(db).await.unwrap(), Verification::Broken { seq: 2, .. }));
}

async fn repeated_wrong_passwords_lock_the_account(db: &Db) {
    for _ in 0..users::MAX_FAILURES - 1 {
        assert!(matches!(users::login(db, "yl_xz", "wrong-password1").await.unwrap(), Login::BadCredentials));
    }
    assert!(matches!(users::login(db, "yl_xz", "wrong-password1").await.unwrap(), Login::Locked(_)));
    // While locked, even the right password is refused.
    assert!(matches!(users::login(db, "yl_xz", duijie_store::demo::DEMO_PASSWORD).await.unwrap(), Login::Locked(_)));
    assert!(matches!(users::login(db, "nobody", "x").await.unwrap(), Login::BadCredentials));
    let u = users::by_username(db, "yl_xz").await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    users::update(&mut tx, &officer(), u.id, &UserChange { unlock: true, ..Default::default() }).await.unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(users::login(db, "yl_xz", duijie_store::demo::DEMO_PASSWORD).await.unwrap(), Login::Ok(_)));
    let (rows, _) = audit::recent(db, "530628%", 20, 0).await.unwrap();
    assert!(rows.iter().any(|r| r.action == "user.locked"), "the lock is audited");
}

async fn sessions_end_on_logout_expiry_and_disabling(db: &Db) {
    let u = users::by_username(db, "yl_mz").await.unwrap().unwrap();
    let (token, _) = sessions::create(db, u.id, Kind::Web).await.unwrap();
    assert_eq!(sessions::lookup(db, &token, Kind::Web).await.unwrap().unwrap().1.username, "yl_mz");
    assert!(sessions::lookup(db, &token, Kind::Api).await.unwrap().is_none(), "a browser session is not an API token");
    sessions::delete(db, &token).await.unwrap();
    assert!(sessions::lookup(db, &token, Kind::Web).await.unwrap().is_none());

    let (token, s) = sessions::create(db, u.id, Kind::Api).await.unwrap();
    on_db!(db, p => sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2").bind(duijie_store::now() - 1).bind(&s.token_hash).execute(p).await.map(|_| ())).unwrap();
    assert!(sessions::lookup(db, &token, Kind::Api).await.unwrap().is_none(), "expired tokens are refused");
    assert_eq!(sessions::purge_expired(db).await.unwrap(), 1);

    let stored: i64 = on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions WHERE token_hash = $1").bind(&token).fetch_one(p).await).unwrap();
    assert_eq!(stored, 0, "tokens are stored only as hashes");

    let (token, _) = sessions::create(db, u.id, Kind::Web).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    users::update(&mut tx, &officer(), u.id, &UserChange { active: Some(false), ..Default::default() }).await.unwrap();
    tx.commit().await.unwrap();
    assert!(sessions::lookup(db, &token, Kind::Web).await.unwrap().is_none(), "disabling a user ends their sessions");
}

async fn listings_are_filtered_by_scope(db: &Db) {
    let (zt, total) = users::list(db, "5306%", 100, 0).await.unwrap();
    let names: Vec<&str> = zt.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(total as usize, zt.len());
    for expected in ["zt_mz", "yl_xz", "yl_mz", "zx_xz"] {
        assert!(names.contains(&expected), "{expected} is in 昭通市");
    }
    assert!(zt.iter().all(|u| u.region_code.starts_with("5306")), "{names:?}");
    assert!(!names.contains(&"yn_mz") && !names.contains(&"gz_xz"));

    let county = Principal { user_id: 1, username: "x".into(), role: Role::CivilAffairs, region: code("530628"), org_id: None };
    let (orgs, _) = duijie_store::orgs::list(db, &county.scope(), 100, 0).await.unwrap();
    assert_eq!(orgs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), vec!["演示·彝良县助学服务中心"]);
    let own = duijie_store::orgs::by_credit_code(db, &orgs[0].credit_code).await.unwrap().unwrap();
    let org_user = Principal { user_id: 2, username: "y".into(), role: Role::Organization, region: code("53"), org_id: Some(own.id) };
    let (mine, _) = duijie_store::orgs::list(db, &org_user.scope(), 100, 0).await.unwrap();
    assert_eq!(mine.len(), 1, "an organisation sees only itself");

    // A new user created at county level shows up only for scopes above it.
    let mut tx = db.begin().await.unwrap();
    users::create(&mut tx, &officer(), &users::NewUser {
        username: "new_county".into(),
        display_name: "新用户".into(),
        role: Role::CivilAffairs,
        region: code("520102"),
        org_id: None,
        password_hash: hash_password("Abcdefg123"),
        is_demo: false,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (gz, _) = users::list(db, "52%", 100, 0).await.unwrap();
    assert!(gz.iter().any(|u| u.username == "new_county"));
    let (yn, _) = users::list(db, "53%", 100, 0).await.unwrap();
    assert!(!yn.iter().any(|u| u.username == "new_county"));
}

/// Villages load from the binary, resumably; SQLite only (the load is the same
/// SQL on both backends and is measured on both in BENCHMARKS.md).
#[tokio::test]
async fn villages_load_and_hang_under_their_townships() {
    let t = sqlite().await;
    let mut calls = 0;
    let inserted = duijie_store::regions::load_villages(&t.db, |done, total| {
        calls += 1;
        assert!(done <= total);
    })
    .await
    .unwrap();
    assert_eq!(inserted, 620_573);
    assert!(calls > 1, "progress is reported along the way");
    assert_eq!(duijie_store::regions::village_count(&t.db).await.unwrap(), 620_573);
    let villages = duijie_store::regions::villages_of(&t.db, &code("110101001")).await.unwrap();
    assert!(villages.iter().any(|v| v.name == "多福巷社区居委会"));
    // Loading again inserts nothing.
    assert_eq!(duijie_store::regions::load_villages(&t.db, |_, _| {}).await.unwrap(), 0);
}

async fn yunnan_org(db: &Db) -> duijie_store::orgs::Organization {
    let (list, _) = duijie_store::orgs::list(db, &Principal { user_id: 0, username: "x".into(), role: Role::CivilAffairs, region: code("53"), org_id: None }.scope(), 10, 0).await.unwrap();
    list.into_iter().find(|o| o.name == "演示·云南省乡村发展促进会").unwrap()
}

async fn listed_organisations_cannot_enrol_and_enrolment_is_once(db: &Db) {
    use duijie_domain::org::CreditList;
    use duijie_store::actions;
    let org = yunnan_org(db).await;
    let all = actions::all(db).await.unwrap();
    assert_eq!(all.len(), actions::PRESETS.len(), "national three, Jilin six, Yunnan four");
    let action = all.iter().find(|a| a.name == "百会结百县").unwrap();
    let form = actions::EnrolmentForm { contact_name: "李四".into(), contact_phone: "13800000000".into(), ..Default::default() };

    let mut tx = db.begin().await.unwrap();
    duijie_store::orgs::set_credit_list(&mut tx, &officer(), org.id, Some(CreditList::Serious), "虚假宣传").await.unwrap();
    tx.commit().await.unwrap();
    let listed = duijie_store::orgs::get(db, org.id).await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    match actions::enrol(&mut tx, &officer(), &listed, action, &form).await {
        Err(duijie_store::Error::Invalid(m)) => assert!(m.contains("严重违法失信名单"), "{m}"),
        other => panic!("a listed organisation must be refused, got {other:?}"),
    }
    drop(tx);
    assert!(actions::of_org(db, org.id).await.unwrap().is_empty());

    let mut tx = db.begin().await.unwrap();
    duijie_store::orgs::set_credit_list(&mut tx, &officer(), org.id, None, "整改完成，移出名单").await.unwrap();
    tx.commit().await.unwrap();
    let cleared = duijie_store::orgs::get(db, org.id).await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    actions::enrol(&mut tx, &officer(), &cleared, action, &form).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(actions::enrol(&mut tx, &officer(), &cleared, action, &form).await, Err(duijie_store::Error::Conflict(_))));
    drop(tx);
    let seen = actions::in_scope(db, "53%", Some(action.id)).await.unwrap();
    assert_eq!(seen.iter().map(|e| e.org_name.as_str()).collect::<Vec<_>>(), vec!["演示·云南省乡村发展促进会"]);
    assert!(actions::in_scope(db, "32%", None).await.unwrap().is_empty());
    let (audit_rows, _) = audit::recent(db, "53%", 10, 0).await.unwrap();
    assert!(audit_rows.iter().any(|r| r.action == "organization.credit_list" && r.after_json.as_deref().unwrap().contains("整改完成")));
}

async fn liaisons_of_a_county_include_its_prefecture(db: &Db) {
    use duijie_store::liaisons::{self, NewLiaison};
    let mut tx = db.begin().await.unwrap();
    for (region, dept, name) in [("5306", "civil_affairs", "王五"), ("530628", "rural_revitalization", "赵六"), ("530627", "civil_affairs", "钱七")] {
        liaisons::add(&mut tx, &officer(), &NewLiaison { region: code(region), department: dept.into(), name: name.into(), title: "科长".into(), phone: "0870-1111111".into() }).await.unwrap();
    }
    let bad = liaisons::add(&mut tx, &officer(), &NewLiaison { region: code("53"), department: "civil_affairs".into(), name: "x".into(), title: String::new(), phone: "1".into() }).await;
    assert!(matches!(bad, Err(duijie_store::Error::Invalid(_))), "provinces have no liaison officers in the list");
    tx.commit().await.unwrap();
    let names: Vec<String> = liaisons::for_region(db, &code("530628")).await.unwrap().into_iter().map(|l| l.name).collect();
    assert_eq!(names, vec!["赵六", "王五"], "the county's own first, then the prefecture's");
    let township: Vec<String> = liaisons::for_region(db, &code("530628102")).await.unwrap().into_iter().map(|l| l.name).collect();
    assert_eq!(township, vec!["赵六", "王五"]);
    assert_eq!(liaisons::in_scope(db, "5306%").await.unwrap().len(), 3);
    assert!(liaisons::for_region(db, &code("53")).await.unwrap().is_empty());
}

async fn the_catalogue_finds_words_within_scope_and_follows_changes(db: &Db) {
    use duijie_store::catalog::{OrgCatalog, OrgFilter};
    use duijie_store::orgs::{NewOrganization, OrgProfile};
    let mut catalog = OrgCatalog::load(db).await.unwrap();
    let national = Principal { user_id: 0, username: "a".into(), role: Role::Admin, region: RegionCode::national(), org_id: None };
    let yunnan = Principal { user_id: 0, username: "b".into(), role: Role::CivilAffairs, region: code("53"), org_id: None };
    let q = |s: &str| OrgFilter { q: s.into(), ..Default::default() };
    assert!(catalog.search(&q("教育"), &national.scope(), 0, 10).0.is_empty());
    // A write made elsewhere (another process, here directly) is seen after sync.
    let mut tx = db.begin().await.unwrap();
    let id = duijie_store::orgs::create(&mut tx, &officer(), &NewOrganization {
        credit_code: duijie_domain::Uscc::complete("5310000011000009").unwrap(),
        org_type: duijie_domain::OrgType::Foundation,
        region: RegionCode::national(),
        profile: OrgProfile { name: "北京理工大学教育基金会".into(), fields: "教育".into(), status: "active".into(), ..Default::default() },
        approval: "approved",
        is_demo: false,
        provenance: String::new(),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    catalog.sync(db).await.unwrap();
    assert_eq!(catalog.search(&q("教育"), &national.scope(), 0, 10), (vec![id], 1));
    assert_eq!(catalog.search(&q("理工大学 基金会"), &national.scope(), 0, 10).1, 1);
    assert!(catalog.search(&q("教育"), &yunnan.scope(), 0, 10).0.is_empty(), "a national organisation is outside Yunnan's scope");
    let by_field = OrgFilter { field: "教育".into(), ..Default::default() };
    let (_, n) = catalog.search(&by_field, &national.scope(), 0, 10);
    assert_eq!(n, 4, "three demo organisations and the new one work in education");
    let mut tx = db.begin().await.unwrap();
    duijie_store::orgs::set_credit_list(&mut tx, &officer(), id, Some(duijie_domain::org::CreditList::Abnormal), "年报未报").await.unwrap();
    tx.commit().await.unwrap();
    catalog.sync(db).await.unwrap();
    let listed = OrgFilter { status: "listed".into(), ..Default::default() };
    assert_eq!(catalog.search(&listed, &national.scope(), 0, 10).0, vec![id]);
    // Enrolment changes what the action filter finds.
    let action = duijie_store::actions::all(db).await.unwrap().into_iter().find(|a| a.name == "公益品牌行动").unwrap();
    let by_action = OrgFilter { action: Some(action.id), ..Default::default() };
    assert!(catalog.search(&by_action, &national.scope(), 0, 10).0.is_empty());
    let org = yunnan_org(db).await;
    let mut tx = db.begin().await.unwrap();
    let form = duijie_store::actions::EnrolmentForm { contact_name: "李四".into(), contact_phone: "13800000000".into(), ..Default::default() };
    duijie_store::actions::enrol(&mut tx, &officer(), &org, &action, &form).await.unwrap();
    tx.commit().await.unwrap();
    catalog.sync(db).await.unwrap();
    assert_eq!(catalog.search(&by_action, &national.scope(), 0, 10).0, vec![org.id]);
    assert_eq!(catalog.search(&by_action, &yunnan.scope(), 0, 10).0, vec![org.id]);
}

async fn principal_of(db: &Db, username: &str) -> Principal {
    users::by_username(db, username).await.unwrap().unwrap_or_else(|| panic!("no demo user {username}")).principal()
}

async fn notify_one(db: &Db, to: duijie_store::inbox::Recipient, title: &str, key: Option<&str>) -> bool {
    let mut tx = db.begin().await.unwrap();
    let n = duijie_store::inbox::Notice { kind: "test".into(), title: title.into(), body: "正文".into(), link: "/pairing".into(), dedup_key: key.map(str::to_string) };
    let added = duijie_store::inbox::notify(&mut tx, &to, &n).await.unwrap();
    tx.commit().await.unwrap();
    added
}

async fn inbox_titles(db: &Db, who: &Principal) -> Vec<String> {
    duijie_store::inbox::list(db, who, false, 50, 0).await.unwrap().0.into_iter().map(|n| n.title).collect()
}

async fn inbox_notices_reach_exactly_their_recipients(db: &Db) {
    use duijie_store::inbox::{self, Notice, Recipient};
    let org_yl = principal_of(db, "org_yl").await;
    let org_yn = principal_of(db, "org_yn").await;
    let yl_xz = principal_of(db, "yl_xz").await;
    let yl_mz = principal_of(db, "yl_mz").await;
    let yn_xz = principal_of(db, "yn_xz").await;
    let zx_xz = principal_of(db, "zx_xz").await;
    let admin = principal_of(db, "admin").await;
    let everyone = [&org_yl, &org_yn, &yl_xz, &yl_mz, &yn_xz, &zx_xz, &admin];
    for who in everyone {
        assert_eq!(inbox::unread_count(db, who).await.unwrap(), 0);
    }

    // To an organisation: all its users, nobody else.
    let yl_org = org_yl.org_id.unwrap();
    assert!(notify_one(db, Recipient::Org(yl_org), "致彝良县助学服务中心", None).await);
    assert_eq!(inbox_titles(db, &org_yl).await, vec!["致彝良县助学服务中心"]);
    assert_eq!(inbox::unread_count(db, &org_yl).await.unwrap(), 1);
    for who in [&org_yn, &yl_xz, &yl_mz, &yn_xz, &admin] {
        assert!(inbox_titles(db, who).await.is_empty(), "{} sees another organisation's notice", who.username);
        assert_eq!(inbox::unread_count(db, who).await.unwrap(), 0);
    }

    // To one role at one region: that unit only, not the other department, not the province, not the neighbour.
    let rr = Recipient::Unit { region: "530628".into(), role: Some(Role::RuralRevitalization) };
    assert!(notify_one(db, rr, "致彝良县乡村振兴局", None).await);
    assert_eq!(inbox_titles(db, &yl_xz).await, vec!["致彝良县乡村振兴局"]);
    for who in [&yl_mz, &yn_xz, &zx_xz, &org_yl, &admin] {
        assert!(!inbox_titles(db, who).await.contains(&"致彝良县乡村振兴局".to_string()), "{} sees it", who.username);
    }

    // To every government role at a region; padded codes mean the same region.
    assert!(notify_one(db, Recipient::Unit { region: "530628".into(), role: None }, "致彝良县各部门", None).await);
    assert!(notify_one(db, Recipient::Unit { region: "530000".into(), role: None }, "致云南省各部门", None).await);
    assert!(notify_one(db, Recipient::Unit { region: String::new(), role: Some(Role::Admin) }, "致全国平台管理员", None).await);
    assert_eq!(inbox_titles(db, &yl_xz).await, vec!["致彝良县各部门", "致彝良县乡村振兴局"], "newest first");
    assert_eq!(inbox_titles(db, &yl_mz).await, vec!["致彝良县各部门"]);
    assert_eq!(inbox_titles(db, &yn_xz).await, vec!["致云南省各部门"]);
    assert_eq!(inbox_titles(db, &admin).await, vec!["致全国平台管理员"]);
    assert!(inbox_titles(db, &org_yl).await.len() == 1 && inbox_titles(db, &zx_xz).await.is_empty());

    // Bad recipients are refused.
    let mut tx = db.begin().await.unwrap();
    let n = Notice { kind: "test".into(), title: "x".into(), ..Default::default() };
    assert!(inbox::notify(&mut tx, &Recipient::Unit { region: "53x".into(), role: None }, &n).await.is_err());
    assert!(inbox::notify(&mut tx, &Recipient::Unit { region: "53".into(), role: Some(Role::Organization) }, &n).await.is_err());
    tx.commit().await.unwrap();

    // Pages and the unread filter.
    let (page, total) = inbox::list(db, &yl_xz, false, 1, 1).await.unwrap();
    assert_eq!((page.len(), total, page[0].title.as_str()), (1, 2, "致彝良县乡村振兴局"));
}

async fn inbox_dedup_and_read_state(db: &Db) {
    use duijie_store::inbox::{self, Recipient};
    let yl_xz = principal_of(db, "yl_xz").await;
    let yl_mz = principal_of(db, "yl_mz").await;
    let org_yl = principal_of(db, "org_yl").await;
    let unit = || Recipient::Unit { region: "530628".into(), role: Some(Role::RuralRevitalization) };

    // A dedup key adds once.
    assert!(notify_one(db, unit(), "签约提醒", Some("remind:1:30")).await);
    assert!(!notify_one(db, unit(), "签约提醒", Some("remind:1:30")).await);
    assert!(!notify_one(db, Recipient::Org(org_yl.org_id.unwrap()), "签约提醒", Some("remind:1:30")).await, "the key is global");
    assert!(notify_one(db, unit(), "签约提醒（第二次）", Some("remind:1:7")).await);
    assert!(notify_one(db, unit(), "无键消息", None).await);
    assert!(notify_one(db, unit(), "无键消息", None).await, "notices without a key are never merged");
    assert_eq!(inbox::unread_count(db, &yl_xz).await.unwrap(), 4);
    assert!(inbox::list(db, &org_yl, false, 50, 0).await.unwrap().0.is_empty());

    // Marking by someone who is not the recipient changes nothing.
    let (items, _) = inbox::list(db, &yl_xz, false, 50, 0).await.unwrap();
    let first = items.iter().find(|n| n.title == "签约提醒").unwrap().id;
    for other in [&yl_mz, &org_yl] {
        assert!(!inbox::mark_read(db, other, first).await.unwrap());
        assert_eq!(inbox::mark_all_read(db, other).await.unwrap(), 0);
    }
    assert!(!inbox::mark_read(db, &yl_xz, i64::MAX).await.unwrap(), "a missing notice");
    assert_eq!(inbox::unread_count(db, &yl_xz).await.unwrap(), 4);
    assert!(inbox::get(db, &yl_mz, first).await.unwrap().is_none());

    // The recipient marks it; reading again keeps the first read time.
    assert!(inbox::mark_read(db, &yl_xz, first).await.unwrap());
    assert_eq!(inbox::unread_count(db, &yl_xz).await.unwrap(), 3);
    let read_at = inbox::get(db, &yl_xz, first).await.unwrap().unwrap().read_at.expect("read");
    assert!(inbox::mark_read(db, &yl_xz, first).await.unwrap());
    assert_eq!(inbox::get(db, &yl_xz, first).await.unwrap().unwrap().read_at, Some(read_at));
    let (unread, n) = inbox::list(db, &yl_xz, true, 50, 0).await.unwrap();
    assert_eq!(n, 3);
    assert!(unread.iter().all(|x| x.read_at.is_none() && x.id != first));

    // Read state belongs to the notice: a notice to every role at the region, read by one department, is read for the other.
    assert!(notify_one(db, Recipient::Unit { region: "530628".into(), role: None }, "致彝良县各部门", None).await);
    assert_eq!(inbox::unread_count(db, &yl_mz).await.unwrap(), 1);
    assert_eq!(inbox::unread_count(db, &yl_xz).await.unwrap(), 4);
    assert_eq!(inbox::mark_all_read(db, &yl_mz).await.unwrap(), 1);
    assert_eq!(inbox::unread_count(db, &yl_mz).await.unwrap(), 0);
    assert_eq!(inbox::unread_count(db, &yl_xz).await.unwrap(), 3);
    assert_eq!(inbox::mark_all_read(db, &yl_xz).await.unwrap(), 3);
    assert_eq!(inbox::unread_count(db, &yl_xz).await.unwrap(), 0);
    assert_eq!(inbox::list(db, &yl_xz, false, 50, 0).await.unwrap().1, 5);
}
