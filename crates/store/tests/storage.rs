//! Storage tests, run on SQLite and on PostgreSQL.
//!
//! Every test body below runs twice through `both!`: on a fresh SQLite file and
//! on a fresh PostgreSQL database from `DUIJIE_TEST_PG_URL` (the README's test
//! command sets it and starts the server). Without that variable the PostgreSQL
//! half fails on purpose, so a green run always means both backends passed.

use duijie_domain::crypto::hash_password;
use duijie_domain::matching::{MatchStatus, OfferStatus};
use duijie_domain::demand::Status;
use duijie_domain::pairing::AdjustmentStatus;
use duijie_domain::{Principal, RegionCode, Role};
use duijie_store::audit::{self, Change, Verification};
use duijie_store::designations::{self, NewDesignation};
use duijie_store::regions::RegionTree;
use duijie_store::sessions::{self, Kind};
use duijie_store::users::{self, Login, UserChange};
use duijie_store::{Actor, Db, Tx, on_db, testing};

#[path = "../../tlog/tests/reference/mod.rs"]
mod reference;

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
    repeated_wrong_passwords_slow_the_guesser_not_the_owner,
    sessions_end_on_logout_expiry_and_disabling,
    listings_are_filtered_by_scope,
    listed_organisations_cannot_enrol_and_enrolment_is_once,
    liaisons_of_a_county_include_its_prefecture,
    the_catalogue_finds_words_within_scope_and_follows_changes,
    inbox_notices_reach_exactly_their_recipients,
    inbox_dedup_and_read_state,
    a_pairing_needs_both_consents_and_a_signed_agreement_before_it_is_in_force,
    listed_organisations_cannot_pair,
    a_published_list_changes_only_by_approved_adjustment_and_keeps_its_history,
    coverage_counts_agreed_county_pairings_of_the_target_set,
    the_plan_on_live_data_keeps_pairings_releases_listed_organisations_and_only_proposes,
    agreement_reminders_are_sent_once_per_stage,
    an_exported_list_imports_back_unchanged_and_bad_rows_are_named,
    a_demand_is_approved_published_matched_once_and_starts_a_project,
    recommendations_exclude_listed_organisations_and_explain_their_score,
    the_catalogue_lists_demands_as_the_database_does,
    the_catalogue_lists_offers_as_the_database_does,
    the_success_rate_matches_a_hand_computed_example,
    household_data_is_sealed_and_each_full_view_is_audited,
    county_bureaus_are_told_once_when_an_unmatched_demand_is_about_to_expire,
    an_idempotency_key_keeps_its_answer_for_the_same_request_only,
    a_stored_value_no_type_accepts_is_an_error_never_a_default,
    log_roots_and_proofs_equal_an_independent_rfc9162_tree,
    log_carries_over_audit_rows_without_leaves_once,
    log_leaf_indexes_are_unique_and_gap_free_by_the_schema,
    log_concurrent_audited_writes_stay_one_gap_free_tree,
    an_approved_report_keeps_its_figures_and_each_unit_sees_only_its_own,
    a_project_under_a_region_without_a_unit_counts_once_at_the_unit_above,
    a_complaint_goes_to_the_registration_authority_or_to_the_county_where_it_happened,
    a_complaint_outcome_that_lists_the_organisation_refuses_its_next_pairing_proposal,
    of_two_closes_of_one_complaint_at_once_exactly_one_wins,
    a_complainants_contact_is_sealed_and_each_view_is_audited,
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
    assert_eq!(designations::current_of_kind(db, "national_key", &duijie_domain::RegionCode::national()).await.unwrap().len(), 93);
    // 832 counties, one of which (冷湖行委) has no 2023 code.
    assert_eq!(designations::current_of_kind(db, "former_poverty", &duijie_domain::RegionCode::national()).await.unwrap().len(), 831);
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
    assert!(designations::current_of_kind(db, "provincial_key", &duijie_domain::RegionCode::parse("530627").unwrap()).await.unwrap().is_empty());

    // Re-designating after the end is allowed and leaves both rows.
    let mut tx = db.begin().await.unwrap();
    designations::add(&mut tx, &officer(), &new).await.unwrap();
    tx.commit().await.unwrap();
    let rows = designations::of_region(db, "530627").await.unwrap();
    assert_eq!(rows.iter().filter(|d| d.kind == "provincial_key").count(), 2);

    let (audit_rows, _) = audit::recent(db, &duijie_domain::RegionCode::parse("530627").unwrap(), 10, 0).await.unwrap();
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

async fn repeated_wrong_passwords_slow_the_guesser_not_the_owner(db: &Db) {
    let right = duijie_store::demo::DEMO_PASSWORD;
    assert!(matches!(users::login(db, "yl_xz", right, "10.0.0.1").await.unwrap(), Login::Ok(_)), "the owner's office");
    for _ in 0..5 {
        assert!(matches!(users::login(db, "yl_xz", "wrong-password1", "203.0.113.1").await.unwrap(), Login::BadCredentials));
        assert!(matches!(users::login(db, "nobody", "wrong-password1", "203.0.113.1").await.unwrap(), Login::BadCredentials));
    }
    // From there even the right password waits, exactly as for a name nobody has.
    assert!(matches!(users::login(db, "yl_xz", right, "203.0.113.1").await.unwrap(), Login::Throttled(_)));
    assert!(matches!(users::login(db, "nobody", right, "203.0.113.1").await.unwrap(), Login::Throttled(_)));
    // The owner's usual place is not affected.
    assert!(matches!(users::login(db, "yl_xz", right, "10.0.0.1").await.unwrap(), Login::Ok(_)));
    // An administrator lifts the wait.
    let u = users::by_username(db, "yl_xz").await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    users::update(&mut tx, &officer(), u.id, &UserChange { unlock: true, ..Default::default() }).await.unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(users::login(db, "yl_xz", right, "203.0.113.1").await.unwrap(), Login::Ok(_)));
    let (rows, _) = audit::recent(db, &duijie_domain::RegionCode::parse("530628").unwrap(), 40, 0).await.unwrap();
    assert!(rows.iter().any(|r| r.action == "user.login_failed"), "failures are audited");
    // Its unit was told once that the account is being guessed.
    let notices: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'user.attacked'").fetch_one(p).await).unwrap();
    assert_eq!(notices, 1);
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
    let (zt, total) = users::list(db, &duijie_domain::RegionCode::parse("5306").unwrap(), 100, 0).await.unwrap();
    let names: Vec<&str> = zt.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(total as usize, zt.len());
    for expected in ["zt_mz", "yl_xz", "yl_mz", "zx_xz"] {
        assert!(names.contains(&expected), "{expected} is in 昭通市");
    }
    assert!(zt.iter().all(|u| u.region_code.starts_with("5306")), "{names:?}");
    assert!(!names.contains(&"yn_mz") && !names.contains(&"gz_xz"));

    let county = Principal::of_account(1, "x".into(), Role::CivilAffairs, code("530628"), None);
    let (orgs, _) = duijie_store::orgs::list(db, &county.scope(), 100, 0).await.unwrap();
    assert_eq!(orgs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), vec!["演示·彝良县助学服务中心"]);
    let own = duijie_store::orgs::by_credit_code(db, &orgs[0].credit_code).await.unwrap().unwrap().unscoped();
    let org_user = Principal::of_account(2, "y".into(), Role::Organization, code("53"), Some(own.id));
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
    let (gz, _) = users::list(db, &duijie_domain::RegionCode::parse("52").unwrap(), 100, 0).await.unwrap();
    assert!(gz.iter().any(|u| u.username == "new_county"));
    let (yn, _) = users::list(db, &duijie_domain::RegionCode::parse("53").unwrap(), 100, 0).await.unwrap();
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
    let (list, _) = duijie_store::orgs::list(db, &Principal::of_account(0, "x".into(), Role::CivilAffairs, code("53"), None).scope(), 10, 0).await.unwrap();
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
    let listed = duijie_store::orgs::get(db, org.id).await.unwrap().unwrap().unscoped();
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
    let cleared = duijie_store::orgs::get(db, org.id).await.unwrap().unwrap().unscoped();
    let mut tx = db.begin().await.unwrap();
    actions::enrol(&mut tx, &officer(), &cleared, action, &form).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(actions::enrol(&mut tx, &officer(), &cleared, action, &form).await, Err(duijie_store::Error::Conflict(_))));
    drop(tx);
    let seen = actions::in_scope(db, &duijie_domain::RegionCode::parse("53").unwrap(), Some(action.id)).await.unwrap();
    assert_eq!(seen.iter().map(|e| e.org_name.as_str()).collect::<Vec<_>>(), vec!["演示·云南省乡村发展促进会"]);
    assert!(actions::in_scope(db, &duijie_domain::RegionCode::parse("32").unwrap(), None).await.unwrap().is_empty());
    let (audit_rows, _) = audit::recent(db, &duijie_domain::RegionCode::parse("53").unwrap(), 10, 0).await.unwrap();
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
    assert_eq!(liaisons::in_scope(db, &duijie_domain::RegionCode::parse("5306").unwrap()).await.unwrap().len(), 3);
    assert!(liaisons::for_region(db, &code("53")).await.unwrap().is_empty());
}

async fn the_catalogue_finds_words_within_scope_and_follows_changes(db: &Db) {
    use duijie_store::catalog::{OrgCatalog, OrgFilter};
    use duijie_store::orgs::{NewOrganization, OrgProfile};
    let mut catalog = OrgCatalog::load(db).await.unwrap();
    let national = Principal::of_account(0, "a".into(), Role::Admin, RegionCode::national(), None);
    let yunnan = Principal::of_account(0, "b".into(), Role::CivilAffairs, code("53"), None);
    let q = |s: &str| OrgFilter { q: s.into(), ..Default::default() };
    assert!(catalog.search(&q("教育"), &national.scope(), 0, 10).0.is_empty());
    // A write made elsewhere (another process, here directly) is seen after sync.
    let mut tx = db.begin().await.unwrap();
    let id = duijie_store::orgs::create(&mut tx, &officer(), &NewOrganization {
        credit_code: duijie_domain::Uscc::complete("5310000011000009").unwrap(),
        org_type: duijie_domain::OrgType::Foundation,
        region: RegionCode::national(),
        profile: OrgProfile { name: "北京理工大学教育基金会".into(), fields: "教育".into(), ..Default::default() },
        approval: duijie_domain::org::Approval::Approved,
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

/// Removes the demo data's notices, so that each inbox test starts empty.
async fn empty_inboxes(db: &Db) {
    duijie_store::on_db_exec!(db, p => sqlx::query("DELETE FROM notifications").execute(p).await).unwrap();
}

async fn inbox_titles(db: &Db, who: &Principal) -> Vec<String> {
    duijie_store::inbox::list(db, who, false, 50, 0).await.unwrap().0.into_iter().map(|n| n.title).collect()
}

async fn inbox_notices_reach_exactly_their_recipients(db: &Db) {
    empty_inboxes(db).await;
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
    let yl_org = org_yl.org_id().unwrap();
    assert!(notify_one(db, Recipient::Org(yl_org), "致彝良县助学服务中心", None).await);
    assert_eq!(inbox_titles(db, &org_yl).await, vec!["致彝良县助学服务中心"]);
    assert_eq!(inbox::unread_count(db, &org_yl).await.unwrap(), 1);
    for who in [&org_yn, &yl_xz, &yl_mz, &yn_xz, &admin] {
        assert!(inbox_titles(db, who).await.is_empty(), "{} sees another organisation's notice", who.username());
        assert_eq!(inbox::unread_count(db, who).await.unwrap(), 0);
    }

    // To one role at one region: that unit only, not the other department, not the province, not the neighbour.
    let rr = Recipient::Unit { region: "530628".into(), role: Some(Role::RuralRevitalization) };
    assert!(notify_one(db, rr, "致彝良县乡村振兴局", None).await);
    assert_eq!(inbox_titles(db, &yl_xz).await, vec!["致彝良县乡村振兴局"]);
    for who in [&yl_mz, &yn_xz, &zx_xz, &org_yl, &admin] {
        assert!(!inbox_titles(db, who).await.contains(&"致彝良县乡村振兴局".to_string()), "{} sees it", who.username());
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
    empty_inboxes(db).await;
    use duijie_store::inbox::{self, Recipient};
    let yl_xz = principal_of(db, "yl_xz").await;
    let yl_mz = principal_of(db, "yl_mz").await;
    let org_yl = principal_of(db, "org_yl").await;
    let unit = || Recipient::Unit { region: "530628".into(), role: Some(Role::RuralRevitalization) };

    // A dedup key adds once.
    assert!(notify_one(db, unit(), "签约提醒", Some("remind:1:30")).await);
    assert!(!notify_one(db, unit(), "签约提醒", Some("remind:1:30")).await);
    assert!(!notify_one(db, Recipient::Org(org_yl.org_id().unwrap()), "签约提醒", Some("remind:1:30")).await, "the key is global");
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

// ---------------------------------------------------------------------------
// Pairing (结对帮扶)
// ---------------------------------------------------------------------------

mod pairing_support {
    use super::*;
    use duijie_store::pairing::{self, NewBatch, NewPairing};

    pub fn county_officer() -> Actor {
        Actor { user_id: None, name: "zx_xz".into(), unit: "镇雄县乡村振兴局".into() }
    }

    pub async fn org_named(db: &Db, name: &str) -> duijie_store::orgs::Organization {
        duijie_store::orgs::all(db).await.unwrap().into_iter().find(|o| o.name == name).unwrap_or_else(|| panic!("no demo organisation {name}"))
    }

    pub async fn new_batch(db: &Db, name: &str) -> i64 {
        let mut tx = db.begin().await.unwrap();
        let b = NewBatch { name: name.into(), region: code("53"), doc_no: "测试文号".into(), sign_deadline: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(), is_demo: false };
        let id = pairing::create_batch(&mut tx, &officer(), &b).await.unwrap();
        tx.commit().await.unwrap();
        id
    }

    pub fn county_pairing(batch_id: i64, org_id: i64, county: &str) -> NewPairing {
        NewPairing { batch_id, kind: Some(duijie_domain::pairing::Kind::County), org_id, region: Some(code(county)), ..NewPairing::default() }
    }

    pub async fn propose(db: &Db, n: &NewPairing) -> duijie_store::Result<i64> {
        let mut tx = db.begin().await.unwrap();
        let r = pairing::propose(&mut tx, &officer(), n).await;
        if r.is_ok() {
            tx.commit().await.unwrap();
        }
        r
    }

    pub async fn step(db: &Db, actor: &Actor, id: i64, s: duijie_domain::pairing::Step) -> duijie_store::Result<pairing::Pairing> {
        let mut tx = db.begin().await.unwrap();
        let r = pairing::step(&mut tx, actor, id, s, "").await;
        if r.is_ok() {
            tx.commit().await.unwrap();
        }
        r
    }

    pub const PDF: &[u8] = b"%PDF-1.4 signed and stamped";
}

async fn a_pairing_needs_both_consents_and_a_signed_agreement_before_it_is_in_force(db: &Db) {
    use duijie_domain::pairing::{Status, Step};
    use duijie_store::pairing;
    use pairing_support::*;
    let batch = new_batch(db, "测试批").await;
    let org = yunnan_org(db).await;
    let audit_before = count(db, "SELECT COUNT(*) FROM audit_log").await;
    let id = propose(db, &county_pairing(batch, org.id, "530627")).await.unwrap();
    let p = pairing::get(db, id).await.unwrap().unwrap().unscoped();
    assert_eq!(p.status(), Status::Proposed);
    assert_eq!(p.fields, org.fields, "an empty field list takes the organisation's own");
    // Both sides are told: the organisation and 镇雄县's rural-revitalisation bureau.
    let org_user = principal_of(db, "org_yn").await;
    let zx = principal_of(db, "zx_xz").await;
    assert!(inbox_titles(db, &org_user).await.iter().any(|t| t.contains("结对提议待您确认")));
    assert!(inbox_titles(db, &zx).await.iter().any(|t| t.contains("结对提议待县级确认")));
    // Nothing comes into force by one side alone, nor without the signed agreement.
    let p = step(db, &Actor::system("org_yn"), id, Step::OrgConsent).await.unwrap();
    assert_eq!(p.status(), Status::Proposed);
    assert!(step(db, &Actor::system("org_yn"), id, Step::OrgConsent).await.is_err(), "consent is given once");
    assert!(step(db, &county_officer(), id, Step::Activate).await.is_err());
    let p = step(db, &county_officer(), id, Step::CountyConsent).await.unwrap();
    assert_eq!(p.status(), Status::Consented);
    assert_eq!(p.county_consent_by.as_deref(), Some("镇雄县乡村振兴局"));
    let err = step(db, &county_officer(), id, Step::Activate).await.unwrap_err();
    assert!(err.to_string().contains("当前状态"), "{err}");
    let mut tx = db.begin().await.unwrap();
    let p = pairing::attach_signed(&mut tx, &Actor::system("org_yn"), id, "协议.pdf", "application/pdf", PDF).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(p.status(), Status::Signed);
    let f = pairing::file(db, p.signed_file_id.unwrap()).await.unwrap().unwrap();
    assert_eq!(f.bytes, PDF);
    let p = step(db, &county_officer(), id, Step::Activate).await.unwrap();
    assert_eq!(p.status(), Status::Active);
    // Every step is in the history and in the audit trail, with who did it.
    let events = pairing::events(db, id).await.unwrap();
    let moves: Vec<(String, String)> = events.iter().map(|e| (e.from_status.clone(), e.to_status.clone())).collect();
    assert_eq!(moves, vec![
        ("".into(), "proposed".into()),
        ("proposed".into(), "proposed".into()),
        ("proposed".into(), "consented".into()),
        ("consented".into(), "signed".into()),
        ("signed".into(), "active".into()),
    ]);
    assert_eq!(events[2].actor, "镇雄县乡村振兴局");
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log").await - audit_before, 5);
    assert!(matches!(audit::verify(db).await.unwrap(), Verification::Intact { .. }));
    // A second open pairing of the same organisation and county is refused.
    assert!(propose(db, &county_pairing(batch, org.id, "530627")).await.unwrap_err().to_string().contains("未结束"));
    // A county pairing must name a county, a village pairing a village.
    let mut wrong = county_pairing(batch, org.id, "5306");
    assert!(propose(db, &wrong).await.is_err());
    wrong.region = Some(code("530627"));
    wrong.kind = Some(duijie_domain::pairing::Kind::Village);
    assert!(propose(db, &wrong).await.unwrap_err().to_string().contains("村"));
}

async fn listed_organisations_cannot_pair(db: &Db) {
    use duijie_domain::org::CreditList;
    use pairing_support::*;
    let batch = new_batch(db, "测试批").await;
    let org = yunnan_org(db).await;
    let mut tx = db.begin().await.unwrap();
    duijie_store::orgs::set_credit_list(&mut tx, &officer(), org.id, Some(CreditList::Serious), "违规使用资金").await.unwrap();
    tx.commit().await.unwrap();
    let before = count(db, "SELECT COUNT(*) FROM pairings").await;
    let err = propose(db, &county_pairing(batch, org.id, "530627")).await.unwrap_err();
    assert!(err.to_string().contains("严重违法失信名单"), "{err}");
    assert_eq!(count(db, "SELECT COUNT(*) FROM pairings").await, before, "nothing written");
}

async fn a_published_list_changes_only_by_approved_adjustment_and_keeps_its_history(db: &Db) {
    use chrono::NaiveDate;
    use duijie_domain::pairing::{Status, Step};
    use duijie_store::pairing::{self, adjust};
    use pairing_support::*;
    let batch = new_batch(db, "测试批").await;
    let a_org = yunnan_org(db).await;
    let b_org = org_named(db, "演示·云南省电子商务协会").await;
    let mut n = county_pairing(batch, a_org.id, "530627");
    n.org_consents = true;
    n.county_consents = true;
    let a = propose(db, &n).await.unwrap();
    let waiting = propose(db, &county_pairing(batch, b_org.id, "530624")).await.unwrap();
    let day = |m, d| pairing::end_of_day(NaiveDate::from_ymd_opt(2026, m, d).unwrap());
    let published = pairing::start_of_day(NaiveDate::from_ymd_opt(2026, 1, 10).unwrap()) + 9 * 3600;
    let mut tx = db.begin().await.unwrap();
    assert_eq!(pairing::publish_batch(&mut tx, &officer(), batch, published).await.unwrap(), 1);
    tx.commit().await.unwrap();
    assert_eq!(pairing::get(db, waiting).await.unwrap().unwrap().unscoped().status(), Status::Withdrawn, "unagreed proposals do not enter the list");
    // Once published, a pairing is not ended or added by hand.
    assert!(step(db, &officer(), a, Step::End).await.unwrap_err().to_string().contains("调整申请"));
    assert!(propose(db, &county_pairing(batch, b_org.id, "530624")).await.unwrap_err().to_string().contains("调整申请"));
    // The formal request: end A, add B; both departments of Yunnan must approve.
    let doc = [adjust::Upload { file_name: "请示.pdf", content_type: "application/pdf", bytes: PDF }];
    let req = |op, pairing_id, org_id, region: &str| adjust::NewAdjustment {
        batch_id: batch,
        op,
        pairing_id,
        org_id,
        kind: duijie_domain::pairing::Kind::County,
        region: Some(code(region)),
        target_label: String::new(),
        fields: String::new(),
        doc_no: "滇社发〔2026〕1号".into(),
        reason: "该组织业务调整，改由其他组织结对".into(),
    };
    let mut tx = db.begin().await.unwrap();
    assert!(adjust::request(&mut tx, &officer(), &req(adjust::Op::End, Some(a), 0, "530627"), &[]).await.unwrap_err().to_string().contains("正式文件"));
    let end = adjust::request(&mut tx, &officer(), &req(adjust::Op::End, Some(a), 0, "530627"), &doc).await.unwrap();
    let add = adjust::request(&mut tx, &officer(), &req(adjust::Op::Add, None, b_org.id, "530624"), &doc).await.unwrap();
    tx.commit().await.unwrap();
    let yn_mz = Actor { user_id: None, name: "yn_mz".into(), unit: "云南省民政厅".into() };
    let march = pairing::start_of_day(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()) + 10 * 3600;
    for id in [end, add] {
        let mut tx = db.begin().await.unwrap();
        let after = adjust::approve(&mut tx, &yn_mz, Role::CivilAffairs, id, march).await.unwrap();
        assert_eq!(after.status, AdjustmentStatus::Pending, "one department is not enough");
        assert!(adjust::approve(&mut tx, &yn_mz, Role::CivilAffairs, id, march).await.is_err(), "each department approves once");
        tx.commit().await.unwrap();
    }
    assert_eq!(pairing::get(db, a).await.unwrap().unwrap().unscoped().status(), Status::Consented, "nothing changes before both approve");
    for id in [end, add] {
        let mut tx = db.begin().await.unwrap();
        let after = adjust::approve(&mut tx, &officer(), Role::RuralRevitalization, id, march).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(after.status, AdjustmentStatus::Approved);
    }
    assert_eq!(pairing::get(db, a).await.unwrap().unwrap().unscoped().status(), Status::Ended);
    let added = adjust::get(db, add).await.unwrap().unwrap().unscoped().result_pairing_id.unwrap();
    // The list as it stood on any date.
    let ids = |v: Vec<pairing::Pairing>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert!(ids(pairing::list_as_of(db, &duijie_domain::Scope::everything(), batch, day(1, 9)).await.unwrap()).is_empty(), "before publication");
    assert_eq!(ids(pairing::list_as_of(db, &duijie_domain::Scope::everything(), batch, day(1, 10)).await.unwrap()), vec![a]);
    assert_eq!(ids(pairing::list_as_of(db, &duijie_domain::Scope::everything(), batch, day(2, 28)).await.unwrap()), vec![a]);
    assert_eq!(ids(pairing::list_as_of(db, &duijie_domain::Scope::everything(), batch, day(3, 1)).await.unwrap()), vec![added]);
    // A rejected request changes nothing.
    let mut tx = db.begin().await.unwrap();
    let again = adjust::request(&mut tx, &officer(), &req(adjust::Op::End, Some(added), 0, "530624"), &doc).await.unwrap();
    let r = adjust::reject(&mut tx, &yn_mz, again, "理由不充分").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(r.status, AdjustmentStatus::Rejected);
    assert!(pairing::get(db, added).await.unwrap().unwrap().unscoped().status().covers());
}

async fn coverage_counts_agreed_county_pairings_of_the_target_set(db: &Db) {
    use duijie_domain::pairing::{Step, Targets};
    use duijie_store::pairing::coverage::{self, Summary};
    use pairing_support::*;
    let tree = RegionTree::load(db).await.unwrap();
    let targets = Targets::parse("national_key:53").unwrap();
    let before = coverage::coverage(db, &tree, &targets, |_| true).await.unwrap();
    let s = Summary::of(&before);
    assert_eq!((s.targets, s.none, s.one, s.several), (11, 6, 5, 0), "demo: five of Yunnan's eleven known key counties are covered");
    let zhenxiong = |rows: &[coverage::CountyCoverage]| rows.iter().find(|r| r.county.code == "530627").unwrap().count();
    assert_eq!(zhenxiong(&before), 0);
    let batch = new_batch(db, "测试批").await;
    let id = propose(db, &county_pairing(batch, yunnan_org(db).await.id, "530627")).await.unwrap();
    assert_eq!(zhenxiong(&coverage::coverage(db, &tree, &targets, |_| true).await.unwrap()), 0, "a proposal does not cover");
    step(db, &Actor::system("org_yn"), id, Step::OrgConsent).await.unwrap();
    step(db, &county_officer(), id, Step::CountyConsent).await.unwrap();
    let after = coverage::coverage(db, &tree, &targets, |_| true).await.unwrap();
    assert_eq!(zhenxiong(&after), 1);
    assert_eq!(Summary::of(&after).none, 5);
    // Every county of a province, functional zones excluded.
    let all = coverage::target_counties(db, &tree, &Targets::parse("counties:53").unwrap()).await.unwrap();
    assert_eq!(all.len(), 129, "Yunnan has 129 county-level units");
}

async fn the_plan_on_live_data_keeps_pairings_releases_listed_organisations_and_only_proposes(db: &Db) {
    use duijie_domain::pairing::{Status, Targets};
    use duijie_solver::Outcome;
    use duijie_store::pairing::{self, plan};
    use pairing_support::*;
    let tree = RegionTree::load(db).await.unwrap();
    let targets = Targets::parse("national_key:53").unwrap();
    let shanghai = org_named(db, "演示·上海乡村振兴发展基金会").await;
    let mut tx = db.begin().await.unwrap();
    duijie_store::orgs::set_credit_list(&mut tx, &officer(), shanghai.id, Some(duijie_domain::org::CreditList::Abnormal), "未按时年报").await.unwrap();
    tx.commit().await.unwrap();
    let inst = plan::build_instance(db, &tree, &targets, plan::Params { min: 1, max: 2 }).await.unwrap();
    assert_eq!(inst.counties.len(), 11);
    let org_index = |id: i64| inst.orgs.iter().position(|o| o.id == id.to_string()).unwrap() as u32;
    let county_index = |c: &str| inst.counties.iter().position(|x| x.id == c).unwrap() as u32;
    assert!(inst.excluded.contains(&org_index(shanghai.id)));
    let yiliang = org_named(db, "演示·彝良县助学服务中心").await;
    assert!(inst.existing.contains(&[org_index(yiliang.id), county_index("530628")]), "the demo pairing of 彝良县 is kept");
    // 江苏's foundation has a pairing outside the targets (广西): it uses capacity.
    let js = org_named(db, "演示·江苏省乡村振兴公益基金会").await;
    assert_eq!(inst.orgs[org_index(js.id) as usize].capacity, 1);
    // 镇雄县's recorded needs weigh its fields.
    assert_eq!(inst.counties[county_index("530627") as usize].needs[0], 3, "产业 is 镇雄县's most urgent need");
    let Outcome::Feasible(solved) = duijie_solver::solve(&inst).unwrap() else { panic!("the demo plan is feasible") };
    assert!(solved.released.contains(&(org_index(shanghai.id), county_index("530622"))), "its pairing with 巧家县 is released");
    assert!(solved.pairs.iter().all(|p| p.org != org_index(shanghai.id)), "a listed organisation gets nothing");
    // Saved and sent, the plan only proposes: every new pair waits for consent.
    let id = plan::create(db, &tree, &officer(), &code("53"), &targets, plan::Params { min: 1, max: 2 }).await.unwrap();
    let items = plan::items(db, id).await.unwrap();
    let new: Vec<_> = items.iter().filter(|i| !i.existing).collect();
    assert!(!new.is_empty());
    let batch = new_batch(db, "方案批").await;
    let mut tx = db.begin().await.unwrap();
    let sent = plan::send(&mut tx, &officer(), id, batch).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(sent, new.len());
    let (made, _) = pairing::list(db, &Principal::of_account(0, "a".into(), Role::Admin, RegionCode::national(), None).scope(), &pairing::Filter { batch_id: Some(batch), ..Default::default() }, 100, 0).await.unwrap();
    assert_eq!(made.len(), sent);
    assert!(made.iter().all(|p| p.status() == Status::Proposed && p.plan_id == Some(id)));
    let mut tx = db.begin().await.unwrap();
    assert!(plan::send(&mut tx, &officer(), id, batch).await.is_err(), "a plan is sent once");
}

async fn agreement_reminders_are_sent_once_per_stage(db: &Db) {
    use chrono::NaiveDate;
    use duijie_store::pairing::remind;
    // Demo: 昭通市农业产业协会 and 昭阳区 agreed in 云南·第二批（演示）, deadline 2026-12-15, not yet signed.
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let run = |today| async move {
        let mut tx = db.begin().await.unwrap();
        let n = remind::remind(&mut tx, db, today, 30).await.unwrap();
        tx.commit().await.unwrap();
        n
    };
    assert_eq!(run(d(10, 1)).await, 0, "too early");
    assert_eq!(run(d(11, 23)).await, 2, "the organisation and the county");
    assert_eq!(run(d(11, 24)).await, 0, "once per stage");
    assert_eq!(run(d(12, 20)).await, 2, "overdue is a new stage");
    let county = Principal::of_account(0, "x".into(), Role::RuralRevitalization, code("530602"), None);
    let titles = inbox_titles(db, &county).await;
    assert!(titles.iter().any(|t| t.contains("逾期未签订")) && titles.iter().any(|t| t.contains("还剩 22 天")), "{titles:?}");
    let due = remind::due(db, &county.scope(), d(11, 23), 30).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].days_left, 22);
    let other = Principal::of_account(county.user_id(), county.username().into(), county.role(), code("530627"), county.org_id());
    assert!(remind::due(db, &other.scope(), d(11, 23), 30).await.unwrap().is_empty(), "scope");
}

async fn an_exported_list_imports_back_unchanged_and_bad_rows_are_named(db: &Db) {
    use duijie_office::pairing_list::{ListRow, read_pairing_list, write_pairing_list};
    use duijie_store::pairing::{self, list};
    let tree = RegionTree::load(db).await.unwrap();
    let batches = pairing::batches(db).await.unwrap();
    let second = batches.iter().find(|b| b.name == "第二批（演示）").unwrap();
    let rows: Vec<ListRow> = list::current_rows(db, &duijie_domain::Scope::everything(), second).await.unwrap().iter().map(|p| list::export_row(&tree, p)).collect();
    assert_eq!(rows.len(), 2);
    let bytes = write_pairing_list("云南省社会组织结对帮扶名单（第二批）", &rows).unwrap();
    let (read, errors) = read_pairing_list("名单.xlsx", &bytes).unwrap();
    assert!(errors.is_empty());
    let plan = list::plan_import(db, &tree, second, "名单.xlsx", &read, errors, duijie_office::MAX_SHOWN_ERRORS).await.unwrap();
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    assert_eq!(plan.new_rows(), 0, "everything is already in the batch");
    // A file with problems: an unregistered code, a county that is not in Yunnan, an unknown county.
    let mut bad = rows.clone();
    bad[0].credit_code = duijie_domain::Uscc::complete("5153000099999999").unwrap().to_string();
    bad[1].province = "贵州省".into();
    bad[1].county = "威宁彝族回族苗族自治县".into();
    bad.push(ListRow { county: "不存在县".into(), province: "云南省".into(), ..rows[0].clone() });
    let (read, errors) = read_pairing_list("名单.xlsx", &write_pairing_list("名单", &bad).unwrap()).unwrap();
    // Only the first errors by row are kept; the others are counted.
    let capped = list::plan_import(db, &tree, second, "名单.xlsx", &read, errors.clone(), 1).await.unwrap();
    assert_eq!((capped.errors.len(), capped.errors[0].row, capped.more_errors), (1, 3, 2));
    let plan = list::plan_import(db, &tree, second, "名单.xlsx", &read, errors, duijie_office::MAX_SHOWN_ERRORS).await.unwrap();
    let found: Vec<(usize, String)> = plan.errors.iter().map(|e| (e.row, e.column.clone())).collect();
    assert_eq!(found, vec![
        (3, "统一社会信用代码".to_string()),
        (4, "结对县（市、区）".to_string()),
        (5, "结对县（市、区）".to_string()),
    ]);
    let before = count(db, "SELECT COUNT(*) FROM pairings").await;
    let mut tx = db.begin().await.unwrap();
    assert!(list::commit_import(&mut tx, &officer(), second, &plan).await.is_err());
    drop(tx);
    assert_eq!(count(db, "SELECT COUNT(*) FROM pairings").await, before, "nothing written");
}

// ---------------------------------------------------------------------------
// Demands, offers and matching (需求、供给、对接)
// ---------------------------------------------------------------------------

mod demand_support {
    use super::*;
    use duijie_domain::demand::{Step, Target};
    use duijie_store::demand::{self, NewDemand};

    pub fn bureau() -> Actor {
        Actor { user_id: None, name: "yl_xz".into(), unit: "彝良县乡村振兴局".into() }
    }

    pub fn new_demand(field: &str, region: &str, wan: i64) -> NewDemand {
        NewDemand {
            title: format!("测试需求（{field}）"),
            description: String::new(),
            field: field.into(),
            target: if region.len() == 6 { Target::County } else if region.len() == 9 { Target::Township } else { Target::Village },
            region: code(region),
            beneficiary_group: "脱贫人口".into(),
            beneficiary_count: 10,
            funds_fen: wan * 1_000_000,
            mode: "capacity".into(),
            urgency: 2,
            deadline: None,
            is_wish: false,
            contact_name: String::new(),
            contact_phone: String::new(),
            household: None,
            unit_region: code("530628"),
            provenance: String::new(),
            is_demo: false,
        }
    }

    /// Records and publishes a demand at `at`; returns its id.
    pub async fn published(db: &Db, n: &NewDemand, at: i64) -> i64 {
        let mut tx = db.begin().await.unwrap();
        let id = demand::create(&mut tx, &bureau(), n).await.unwrap();
        demand::step(&mut tx, &bureau(), id, Step::Submit, "", at).await.unwrap();
        demand::step(&mut tx, &Actor::system("彝良县民政局"), id, Step::Approve, "", at).await.unwrap();
        tx.commit().await.unwrap();
        id
    }

    pub async fn take_and_confirm(db: &Db, demand_id: i64, org_id: i64) -> duijie_store::Result<i64> {
        use duijie_store::demand::matching::{self, Proposal};
        let mut tx = db.begin().await.unwrap();
        let m = matching::propose(&mut tx, &Actor::system("组织"), Role::Organization, &Proposal { demand_id, org_id, ..Default::default() }).await?;
        matching::confirm(&mut tx, &bureau(), m).await?;
        tx.commit().await.unwrap();
        Ok(m)
    }
}

/// Rows are decoded into the domain's types where they leave the database: a value
/// written past the application (a hand edit, a script) that no type accepts makes
/// the read fail; it never becomes a default (a demand's region used to become the
/// national code, a status the first one).
async fn a_stored_value_no_type_accepts_is_an_error_never_a_default(db: &Db) {
    use demand_support::*;
    use duijie_store::demand;
    let mut tx = db.begin().await.unwrap();
    let id = demand::create(&mut tx, &bureau(), &new_demand("教育", "530628102", 8)).await.unwrap();
    tx.commit().await.unwrap();
    let d = demand::get(db, id).await.unwrap().unwrap().unscoped();
    assert_eq!((d.region_code, d.status, d.target_kind), (code("530628102"), Status::Draft, duijie_domain::demand::Target::Township));
    // (A region code that is not one is refused by the database itself: it references `regions`.)
    for (sql, column) in [
        ("UPDATE demands SET status = 'lost' WHERE id = $1", "status"),
        ("UPDATE demands SET status = 'draft', target_kind = 'town' WHERE id = $1", "target_kind"),
    ] {
        on_db!(db, p => sqlx::query(sql).bind(id).execute(p).await.map(|_| ())).unwrap();
        let err = demand::get(db, id).await.err().unwrap_or_else(|| panic!("a {column} no type accepts must not load"));
        assert!(err.to_string().contains(column), "{err}");
    }
}

async fn a_demand_is_approved_published_matched_once_and_starts_a_project(db: &Db) {
    use demand_support::*;
    use duijie_domain::demand::{Status, Step};
    use duijie_store::demand::{self, matching};
    let mut tx = db.begin().await.unwrap();
    let id = demand::create(&mut tx, &bureau(), &new_demand("教育", "530628102", 8)).await.unwrap();
    assert!(demand::step(&mut tx, &bureau(), id, Step::Approve, "", 1).await.is_err(), "a draft is not approved");
    demand::step(&mut tx, &bureau(), id, Step::Submit, "", duijie_store::now()).await.unwrap();
    assert!(demand::step(&mut tx, &bureau(), id, Step::Return, " ", 1).await.unwrap_err().to_string().contains("原因"));
    let d = demand::step(&mut tx, &Actor::system("彝良县民政局"), id, Step::Approve, "", duijie_store::now()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(d.status(), Status::Published);
    assert_eq!(d.published_by.as_deref(), Some("彝良县民政局"));
    let yl = org_named_d(db, "演示·彝良县助学服务中心").await;
    let cn = org_named_d(db, "演示·中华乡村发展公益基金会").await;
    // Two organisations offer to take it; the county confirms one.
    let mut tx = db.begin().await.unwrap();
    let p = |org_id| matching::Proposal { demand_id: id, org_id, people: 3, ..Default::default() };
    let first = matching::propose(&mut tx, &Actor::system("组织"), Role::Organization, &p(yl.id)).await.unwrap();
    let second = matching::propose(&mut tx, &Actor::system("组织"), Role::Organization, &p(cn.id)).await.unwrap();
    assert!(matching::propose(&mut tx, &Actor::system("组织"), Role::Organization, &p(yl.id)).await.is_err(), "one pending match per organisation");
    matching::confirm(&mut tx, &bureau(), first).await.unwrap();
    tx.commit().await.unwrap();
    let d = demand::get(db, id).await.unwrap().unwrap().unscoped();
    assert_eq!(d.status(), Status::Taken);
    assert!(d.matched_at.is_some());
    let others = matching::get(db, second).await.unwrap().unwrap().unscoped();
    assert_eq!(others.status, MatchStatus::Declined);
    assert!(others.decline_reason.contains("其他组织"));
    let project = matching::project_of_demand(db, id).await.unwrap().unwrap();
    assert_eq!((project.org_id, project.people, project.funds_fen, project.status.as_str()), (yl.id, 3, 8_000_000, "planned"));
    let mut tx = db.begin().await.unwrap();
    assert!(matching::confirm(&mut tx, &bureau(), second).await.is_err(), "a demand is matched once");
    let d = matching::advance_project(&mut tx, &Actor::system("组织"), id, Step::Start).await.unwrap();
    assert_eq!(d.status(), Status::InProgress);
    tx.commit().await.unwrap();
    let moves: Vec<String> = demand::events(db, id).await.unwrap().into_iter().map(|e| e.to_status).collect();
    assert_eq!(moves, vec!["draft", "submitted", "published", "taken", "in_progress"]);
    // A stopped project gives its demand back (published again, for another organisation to
    // take); finishing it through the demand's page is refused whole.
    let stopper = Actor::system("彝良县助学服务中心");
    let mut tx = db.begin().await.unwrap();
    duijie_store::projects::stop(&mut tx, &stopper, project.id, "资金未到位").await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let refused = matching::advance_project(&mut tx, &bureau(), id, Step::Finish).await.unwrap_err();
    drop(tx);
    assert!(refused.to_string().contains("不能确认完成"), "{refused}");
    assert_eq!(demand::get(db, id).await.unwrap().unwrap().unscoped().status(), Status::Published);
    assert_eq!(matching::project_of_demand(db, id).await.unwrap().unwrap().status, duijie_domain::project::Status::Stopped);
    // Both sides were told.
    let org_user = principal_of(db, "org_yl").await;
    assert!(inbox_titles(db, &org_user).await.iter().any(|t| t.contains("对接成功")));
}

async fn org_named_d(db: &Db, name: &str) -> duijie_store::orgs::Organization {
    duijie_store::orgs::all(db).await.unwrap().into_iter().find(|o| o.name == name).unwrap()
}

async fn recommendations_exclude_listed_organisations_and_explain_their_score(db: &Db) {
    use demand_support::*;
    use duijie_store::demand::{self, catalog::MatchCatalog};
    let id = published(db, &new_demand("教育", "530628104", 5), duijie_store::now()).await;
    let d = demand::get(db, id).await.unwrap().unwrap().unscoped();
    let mut cat = MatchCatalog::load(db).await.unwrap();
    let (orgs, offers) = cat.recommend_for_demand(&d, 50);
    let yl = org_named_d(db, "演示·彝良县助学服务中心").await;
    let yn = org_named_d(db, "演示·云南省乡村发展促进会").await;
    let rec = orgs.iter().find(|r| r.org_id == yl.id).expect("彝良县助学服务中心 works in education in its own county");
    assert_eq!(rec.score.total, rec.score.reasons.iter().map(|r| r.points).sum::<i32>(), "the reasons add up");
    let labels: Vec<&str> = rec.score.reasons.iter().map(|r| r.label.as_str()).collect();
    assert!(labels.contains(&"业务领域包含“教育”") && labels.contains(&"已与该县结对帮扶") && labels.contains(&"同县社会组织"), "{labels:?}");
    assert!(orgs.iter().all(|r| r.org_id != yn.id), "产业 organisations are not recommended for 教育");
    assert!(orgs.windows(2).all(|w| w[0].score.total >= w[1].score.total), "best first");
    assert!(offers.iter().any(|r| r.org_id == yl.id), "its offer for 昭通 is recommended too");
    // On a credit list, it disappears after the next sync.
    let mut tx = db.begin().await.unwrap();
    duijie_store::orgs::set_credit_list(&mut tx, &officer(), yl.id, Some(duijie_domain::org::CreditList::Abnormal), "未按时年报").await.unwrap();
    tx.commit().await.unwrap();
    cat.sync(db).await.unwrap();
    let (orgs, offers) = cat.recommend_for_demand(&d, 50);
    assert!(orgs.iter().chain(offers.iter()).all(|r| r.org_id != yl.id));
    assert!(cat.recommend_for_org(yl.id, 10).is_empty(), "nothing is recommended to a listed organisation");
    // Nor may it take the demand.
    assert!(take_and_confirm(db, id, yl.id).await.unwrap_err().to_string().contains("活动异常名录"));
    // The other way round: demands recommended to an organisation fit its fields.
    let cn = org_named_d(db, "演示·中华乡村发展公益基金会").await;
    let recs = cat.recommend_for_org(cn.id, 20);
    assert!(recs.iter().any(|r| r.demand_id == id));
    for r in &recs {
        let d = demand::get(db, r.demand_id).await.unwrap().unwrap().unscoped();
        assert!(cn.fields.contains(&d.field) && d.status == Status::Published, "{} {:?}", d.field, d.status);
    }
}

/// Every combination of scope and filters: the in-memory list (ids of one
/// page, newest first, and the total) equals the database's list.
async fn the_catalogue_lists_demands_as_the_database_does(db: &Db) {
    use demand_support::*;
    use duijie_domain::Scope;
    use duijie_store::demand::catalog::{DemandQuery, MatchCatalog};
    use duijie_store::demand::{self, Filter};
    let now = duijie_store::now();
    for (i, (field, region)) in [("教育", "530628"), ("教育", "530628102"), ("产业", "530628104"), ("健康", "530627"), ("教育", "532301"), ("产业", "530602")].iter().enumerate() {
        for k in 0..3 {
            let mut n = new_demand(field, region, 1 + k);
            if (i + k as usize).is_multiple_of(3) {
                n.is_wish = true;
                n.funds_fen = 300_000;
            }
            if k == 0 {
                let mut tx = db.begin().await.unwrap();
                demand::create(&mut tx, &bureau(), &n).await.unwrap();
                tx.commit().await.unwrap();
            } else {
                published(db, &n, now).await;
            }
        }
    }
    let cat = MatchCatalog::load(db).await.unwrap();
    let scopes = [Scope::everything(), Scope::public(), principal_of(db, "yn_mz").await.scope(), principal_of(db, "yl_xz").await.scope()];
    let mut compared = 0;
    for scope in &scopes {
        for status in ["", "published", "draft", "nonsense"] {
            for field in ["", "教育", "产业"] {
                for region in ["", "53", "530628", "530628102", "5323", "52"] {
                    for wish in [None, Some(true), Some(false)] {
                        let f = Filter { status: status.into(), field: field.into(), region: region.into(), wish };
                        for (offset, limit) in [(0, 5), (3, 4), (0, 100)] {
                            let (rows, total) = demand::list(db, scope, &f, limit, offset).await.unwrap();
                            let sql: Vec<i64> = rows.iter().map(|d| d.id).collect();
                            let (mem, mem_total) = DemandQuery::new(scope, &f).map_or((Vec::new(), 0), |q| cat.list_demands(&q, offset as usize, limit as usize));
                            assert_eq!((mem, mem_total as i64), (sql, total), "{scope:?} {f:?} offset {offset} limit {limit}");
                            compared += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(compared, 4 * 4 * 3 * 6 * 3 * 3);
}

async fn the_catalogue_lists_offers_as_the_database_does(db: &Db) {
    use duijie_store::demand::catalog::MatchCatalog;
    use duijie_store::demand::supply::{self, NewOffer};
    let orgs = duijie_store::orgs::all(db).await.unwrap();
    let regions: std::collections::BTreeSet<String> = orgs.iter().map(|o| o.region_code.to_string()).collect();
    assert!(regions.len() >= 3 && regions.iter().any(|r| r.starts_with("5306")), "organisations in several places: {regions:?}");
    let actor = Actor::system("组织");
    for (i, org) in orgs.iter().filter(|o| duijie_store::pairing::refusal(o).is_none()).enumerate() {
        for k in 0..3 {
            let mut tx = db.begin().await.unwrap();
            let offer = NewOffer { org_id: org.id, title: format!("供给{i}-{k}"), fields: "教育".into(), capacity: 2, ..NewOffer::default() };
            let id = supply::create(&mut tx, &actor, &offer).await.unwrap();
            let change = match (i + k) % 4 {
                0 => Some((OfferStatus::Closed, "", None)),
                1 => Some((OfferStatus::Hidden, "不实", None)),
                2 => Some((OfferStatus::Published, "", Some(true))),
                _ => None,
            };
            if let Some((status, reason, featured)) = change {
                supply::set_status(&mut tx, &actor, id, status, reason, featured).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
    }
    let cat = MatchCatalog::load(db).await.unwrap();
    let mut compared = 0;
    for region in ["", "53", "5306", "530628", "52", "11"] {
        let code = RegionCode::parse(region).ok();
        for published_only in [true, false] {
            for (offset, limit) in [(0, 5), (3, 4), (0, 1000)] {
                let (rows, total) = supply::list(db, None, code.as_ref(), published_only, limit, offset).await.unwrap();
                let sql: Vec<i64> = rows.iter().map(|f| f.id).collect();
                let (mem, mem_total) = cat.list_offers(region, published_only, offset as usize, limit as usize);
                assert_eq!((mem, mem_total as i64), (sql, total), "{region:?} published only {published_only}, offset {offset} limit {limit}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 6 * 2 * 3);
}

async fn the_success_rate_matches_a_hand_computed_example(db: &Db) {
    use chrono::NaiveDate;
    use demand_support::*;
    use duijie_store::demand::catalog::{MatchCatalog, success_rate_sql};
    use duijie_store::pairing::{end_of_day, start_of_day};
    // 荞山镇 (530623101) and 钟鸣镇 (530623102): five demands published in March 2025,
    // one in 2024 (outside the period) and one never published; two of the March ones matched.
    let day = |y, m, d| start_of_day(NaiveDate::from_ymd_opt(y, m, d).unwrap()) + 10 * 3600;
    let a = published(db, &new_demand("产业", "530623101", 10), day(2025, 3, 1)).await;
    let _b = published(db, &new_demand("产业", "530623101", 10), day(2025, 3, 2)).await;
    let _c = published(db, &new_demand("教育", "530623101", 10), day(2025, 3, 3)).await;
    let _d = published(db, &new_demand("教育", "530623102", 10), day(2025, 3, 4)).await;
    let e = published(db, &new_demand("教育", "530623102", 10), day(2025, 3, 31)).await;
    let old = published(db, &new_demand("产业", "530623101", 10), day(2024, 12, 31)).await;
    let mut tx = db.begin().await.unwrap();
    duijie_store::demand::create(&mut tx, &bureau(), &new_demand("产业", "530623101", 10)).await.unwrap();
    tx.commit().await.unwrap();
    let yn = org_named_d(db, "演示·云南省乡村发展促进会").await;
    let yl = org_named_d(db, "演示·彝良县助学服务中心").await;
    take_and_confirm(db, a, yn.id).await.unwrap();
    take_and_confirm(db, e, yl.id).await.unwrap();
    let cat = MatchCatalog::load(db).await.unwrap();
    let (from, to) = (start_of_day(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()), end_of_day(crate_today()));
    let rate = cat.success_rate("530623", 9, from, to, duijie_store::now());
    // By hand: 5 published in the period, 2 of them matched by its end → 40%.
    assert_eq!((rate.total.published, rate.total.matched), (5, 2));
    assert!((rate.total.rate - 0.4).abs() < 1e-9);
    assert_eq!(rate.total.percent(), "40.0%");
    let by: Vec<(String, u64, u64)> = rate.by_region.iter().map(|r| (r.key.clone(), r.published, r.matched)).collect();
    assert_eq!(by, vec![("530623101".into(), 3, 1), ("530623102".into(), 2, 1)]);
    let field = |f: &str| rate.by_field.iter().find(|r| r.key == f).map(|r| (r.published, r.matched)).unwrap();
    assert_eq!((field("产业"), field("教育")), ((2, 1), (3, 1)));
    assert!(rate.definition.contains("统计期内发布"));
    // Unmatched for more than 60 days, of the period's demands: the three March ones
    // still waiting, not the 2024 one (it was published before the period).
    assert_eq!(rate.long_unmatched, 3);
    // The same numbers straight from SQL.
    assert_eq!(success_rate_sql(db, "530623", from, to).await.unwrap(), (5, 2));
    // A period ending before the matches: nothing matched yet.
    let march = cat.success_rate("530623", 9, from, end_of_day(NaiveDate::from_ymd_opt(2025, 3, 31).unwrap()), duijie_store::now());
    assert_eq!((march.total.published, march.total.matched), (5, 0));
    // Unmatched for more than 60 days: the three March demands left and the 2024 one.
    // Read from the county's own demands, and from the province's published ones: the same four, oldest first.
    let (ids, total) = cat.long_unmatched("530623", duijie_store::now(), 0, 10);
    assert_eq!((ids.len(), total), (4, 4));
    assert_eq!(ids[0], old, "the oldest first");
    let (wider, wider_total) = cat.long_unmatched("53", duijie_store::now(), 0, usize::MAX);
    assert_eq!(wider.iter().filter(|id| ids.contains(id)).count(), 4);
    assert_eq!(wider.len(), wider_total);
    assert_eq!(cat.long_unmatched("530623", duijie_store::now(), 1, 2), (ids[1..3].to_vec(), 4), "a page of them");
}

fn crate_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

async fn household_data_is_sealed_and_each_full_view_is_audited(db: &Db) {
    use demand_support::*;
    use duijie_domain::sealing::Sealer;
    use duijie_store::demand::{self, Household};
    const ID: &str = "11010519491231002X";
    const NAME: &str = "欧阳测试";
    const PHONE: &str = "13912345678";
    let sealer = Sealer::from_hex(&Sealer::generate_key_hex()).unwrap();
    let mut n = new_demand("特殊群体关爱", "530628102", 0);
    n.target = duijie_domain::demand::Target::Household;
    n.region = code("530628102201");
    n.household = Some(Household { name: NAME.into(), id_number: ID.into(), phone: PHONE.into() }.seal(&sealer));
    let mut tx = db.begin().await.unwrap();
    on_tx_regions_village(&mut tx).await;
    let id = demand::create(&mut tx, &bureau(), &n).await.unwrap();
    tx.commit().await.unwrap();
    let masked = demand::household_masked(db, id).await.unwrap().unwrap();
    assert_eq!((masked.name.as_str(), masked.id_number.as_str(), masked.phone.as_str()), ("欧**试", "110105********002X", "139****5678"));
    // Nothing readable anywhere in the database: the tables, the audit trail.
    let dump: String = on_db!(db, p => sqlx::query_scalar::<_, String>("SELECT name_sealed || id_sealed || phone_sealed || name_masked || id_masked FROM demand_households").fetch_one(p).await).unwrap();
    let audit_text: Vec<String> = on_db!(db, p => sqlx::query_scalar::<_, String>("SELECT COALESCE(after_json, '') FROM audit_log").fetch_all(p).await).unwrap();
    for secret in [ID, "19491231", NAME, PHONE] {
        assert!(!dump.contains(secret), "{secret} in the household row");
        assert!(!audit_text.iter().any(|t| t.contains(secret)), "{secret} in the audit trail");
    }
    if let Db::Sqlite(p) = db {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await.unwrap();
        let path: String = sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'").fetch_one(p).await.unwrap();
        for file in [path.clone(), format!("{path}-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for secret in [ID, "19491231", NAME, PHONE] {
                assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} is in {file} in clear text");
            }
        }
    }
    // An officer's full view opens it, and is recorded.
    let d = demand::get(db, id).await.unwrap().unwrap().unscoped();
    let before = count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'demand.household.view'").await;
    let mut tx = db.begin().await.unwrap();
    let full = demand::household_full(&mut tx, &bureau(), &sealer, &d).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!((full.name.as_str(), full.id_number.as_str(), full.phone.as_str()), (NAME, ID, PHONE));
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'demand.household.view'").await, before + 1);
    // With another key it does not open.
    let other = Sealer::from_hex(&Sealer::generate_key_hex()).unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(demand::household_full(&mut tx, &bureau(), &other, &d).await.is_err());
}

/// Test databases carry no villages (they load with a command): add the one a household demand names.
async fn on_tx_regions_village(tx: &mut duijie_store::Tx) {
    duijie_store::on_tx_exec!(tx, c => sqlx::query("INSERT INTO regions (code, name, level, parent_code) VALUES ('530628102201', '测试村', 'village', '530628102') ON CONFLICT (code) DO NOTHING").execute(c).await).unwrap();
}

async fn county_bureaus_are_told_once_when_an_unmatched_demand_is_about_to_expire(db: &Db) {
    use demand_support::*;
    let today = crate_today();
    let mut soon = new_demand("养老", "530628106", 3);
    soon.deadline = Some(today + chrono::Duration::days(3));
    soon.title = "三天后到期的需求".into();
    let mut later = new_demand("养老", "530628106", 3);
    later.deadline = Some(today + chrono::Duration::days(30));
    later.title = "一个月后到期的需求".into();
    published(db, &soon, duijie_store::now()).await;
    published(db, &later, duijie_store::now()).await;
    let run = || async {
        let mut tx = db.begin().await.unwrap();
        let n = duijie_store::demand::remind_expiring(&mut tx, crate_today(), 7).await.unwrap();
        tx.commit().await.unwrap();
        n
    };
    assert_eq!(run().await, 1, "only the demand due within a week");
    assert_eq!(run().await, 0, "once");
    let bureau = principal_of(db, "yl_xz").await;
    let titles = inbox_titles(db, &bureau).await;
    assert!(titles.iter().any(|t| t.contains("三天后到期的需求")) && !titles.iter().any(|t| t.contains("一个月后到期")), "{titles:?}");
}

// ---------------------------------------------------------------------------
// Races (issue 10): the same state change sent by several callers at once.
// Each race runs ROUNDS times with 2 and with 16 concurrent callers; exactly
// one wins, every other gets `Changed` (the API's 409), nothing else fails,
// and the invariant holds in the tables afterwards.
// ---------------------------------------------------------------------------

both!(
    a_demand_is_approved_once_however_many_approve_it_at_once,
    one_take_of_a_demand_is_confirmed_however_many_are_confirmed_at_once,
    an_organisation_takes_a_demand_once_however_often_it_asks_at_once,
    an_offer_is_never_confirmed_beyond_its_capacity,
    a_pairing_consented_by_both_sides_at_once_is_consented,
    an_adjustment_approved_by_both_departments_at_once_is_applied_once,
);

mod races {
    use super::*;

    pub const ROUNDS: usize = 20;
    pub const SIZES: [usize; 2] = [2, 16];

    /// Runs every operation in its own transaction, all at once; returns how
    /// many succeeded and panics on any error but `Changed`.
    pub async fn at_once<F, Fut>(db: &Db, ops: Vec<F>) -> usize
    where
        F: FnOnce(Tx) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = (Tx, duijie_store::Result<()>)> + Send + 'static,
    {
        let mut tasks = Vec::new();
        for op in ops {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let tx = db.begin().await?;
                let (tx, r) = op(tx).await;
                match r {
                    Ok(()) => tx.commit().await.map(|_| true),
                    Err(e) => Err(e),
                }
            }));
        }
        let mut won = 0;
        for t in tasks {
            match t.await.expect("task") {
                Ok(_) => won += 1,
                Err(duijie_store::Error::Changed { current, .. }) => assert!(current["status"].is_string(), "{current}"),
                Err(e) => panic!("a racing caller failed with something other than a conflict: {e:?}"),
            }
        }
        won
    }

    pub async fn scalar(db: &Db, sql: &'static str, id: i64) -> i64 {
        on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(p).await).unwrap()
    }

    /// Organisations that may take new work.
    pub async fn eligible_orgs(db: &Db) -> Vec<i64> {
        let all = duijie_store::orgs::all(db).await.unwrap();
        all.iter().filter(|o| duijie_store::pairing::refusal(o).is_none()).map(|o| o.id).collect()
    }
}

async fn a_demand_is_approved_once_however_many_approve_it_at_once(db: &Db) {
    use demand_support::*;
    use duijie_domain::demand::Step;
    use duijie_store::demand;
    for n in races::SIZES {
        for _ in 0..races::ROUNDS {
            let mut tx = db.begin().await.unwrap();
            let id = demand::create(&mut tx, &bureau(), &new_demand("教育", "530628102", 1)).await.unwrap();
            demand::step(&mut tx, &bureau(), id, Step::Submit, "", duijie_store::now()).await.unwrap();
            tx.commit().await.unwrap();
            let ops = (0..n)
                .map(|_| move |mut tx: Tx| async move {
                    let r = demand::step(&mut tx, &Actor::system("彝良县民政局"), id, Step::Approve, "", duijie_store::now()).await.map(|_| ());
                    (tx, r)
                })
                .collect();
            assert_eq!(races::at_once(db, ops).await, 1, "exactly one approval wins");
            let sql = "SELECT COUNT(*) FROM demand_events WHERE demand_id = $1 AND to_status = 'published'";
            assert_eq!(races::scalar(db, sql, id).await, 1, "published once in the history");
            assert_eq!(races::scalar(db, "SELECT COUNT(*) FROM demands WHERE id = $1 AND status = 'published'", id).await, 1);
        }
    }
    assert!(matches!(audit::verify(db).await.unwrap(), Verification::Intact { .. }));
}

async fn one_take_of_a_demand_is_confirmed_however_many_are_confirmed_at_once(db: &Db) {
    use demand_support::*;
    use duijie_store::demand::matching::{self, Proposal};
    let orgs = races::eligible_orgs(db).await;
    assert!(orgs.len() >= 8, "the demo has enough organisations: {}", orgs.len());
    for n in races::SIZES {
        for _ in 0..races::ROUNDS {
            let id = published(db, &new_demand("教育", "530628102", 1), duijie_store::now()).await;
            // One take per organisation (up to n); n confirmations spread over them, so with 16
            // callers some confirm the same take twice and others different takes.
            let mut tx = db.begin().await.unwrap();
            let mut takes = Vec::new();
            for org_id in orgs.iter().take(n) {
                let p = Proposal { demand_id: id, org_id: *org_id, ..Default::default() };
                takes.push(matching::propose(&mut tx, &Actor::system("组织"), Role::Organization, &p).await.unwrap());
            }
            tx.commit().await.unwrap();
            let ops = (0..n)
                .map(|i| {
                    let m = takes[i % takes.len()];
                    move |mut tx: Tx| async move {
                        let r = matching::confirm(&mut tx, &bureau(), m).await.map(|_| ());
                        (tx, r)
                    }
                })
                .collect();
            assert_eq!(races::at_once(db, ops).await, 1, "exactly one confirmation wins");
            assert_eq!(races::scalar(db, "SELECT COUNT(*) FROM matches WHERE demand_id = $1 AND status = 'confirmed'", id).await, 1);
            assert_eq!(races::scalar(db, "SELECT COUNT(*) FROM matches WHERE demand_id = $1 AND status = 'pending'", id).await, 0, "the others are answered");
            assert_eq!(races::scalar(db, "SELECT COUNT(*) FROM projects WHERE demand_id = $1", id).await, 1, "one project");
            assert_eq!(races::scalar(db, "SELECT COUNT(*) FROM demand_events WHERE demand_id = $1 AND to_status = 'taken'", id).await, 1);
        }
    }
}

async fn an_organisation_takes_a_demand_once_however_often_it_asks_at_once(db: &Db) {
    use demand_support::*;
    use duijie_store::demand::matching::{self, Proposal};
    let org = races::eligible_orgs(db).await[0];
    for n in races::SIZES {
        for _ in 0..races::ROUNDS {
            let id = published(db, &new_demand("教育", "530628102", 1), duijie_store::now()).await;
            let ops = (0..n)
                .map(|_| move |mut tx: Tx| async move {
                    let p = Proposal { demand_id: id, org_id: org, ..Default::default() };
                    let r = matching::propose(&mut tx, &Actor::system("组织"), Role::Organization, &p).await.map(|_| ());
                    (tx, r)
                })
                .collect();
            assert_eq!(races::at_once(db, ops).await, 1, "exactly one take is recorded");
            assert_eq!(races::scalar(db, "SELECT COUNT(*) FROM matches WHERE demand_id = $1", id).await, 1);
        }
    }
}

async fn an_offer_is_never_confirmed_beyond_its_capacity(db: &Db) {
    use demand_support::*;
    use duijie_store::demand::matching::{self, Proposal};
    use duijie_store::demand::supply::{self, NewOffer};
    let org = pairing_support::org_named(db, "演示·彝良县助学服务中心").await;
    for (n, capacity) in [(2, 1), (16, 1), (16, 3)] {
        for _ in 0..races::ROUNDS {
            let mut tx = db.begin().await.unwrap();
            let offer = NewOffer { org_id: org.id, title: "测试供给".into(), fields: "教育".into(), capacity, ..NewOffer::default() };
            let offer_id = supply::create(&mut tx, &Actor::system("组织"), &offer).await.unwrap();
            tx.commit().await.unwrap();
            // The county orders from the offer for n demands; the organisation confirms them all at once.
            let mut orders = Vec::new();
            for _ in 0..n {
                let id = published(db, &new_demand("教育", "530628102", 1), duijie_store::now()).await;
                let mut tx = db.begin().await.unwrap();
                let p = Proposal { demand_id: id, org_id: org.id, offer_id: Some(offer_id), ..Default::default() };
                orders.push(matching::propose(&mut tx, &bureau(), Role::RuralRevitalization, &p).await.unwrap());
                tx.commit().await.unwrap();
            }
            let ops = orders
                .into_iter()
                .map(|m| move |mut tx: Tx| async move {
                    let r = matching::confirm(&mut tx, &Actor::system("组织"), m).await.map(|_| ());
                    (tx, r)
                })
                .collect();
            assert_eq!(races::at_once(db, ops).await, capacity as usize, "as many confirmations as the capacity");
            let sql = "SELECT COUNT(*) FROM matches WHERE offer_id = $1 AND status = 'confirmed'";
            assert_eq!(races::scalar(db, sql, offer_id).await, capacity);
            assert_eq!(races::scalar(db, "SELECT taken FROM offers WHERE id = $1", offer_id).await, capacity, "the counter agrees");
            assert_eq!(supply::get(db, offer_id).await.unwrap().unwrap().unscoped().capacity_left(), 0);
        }
    }
}

async fn a_pairing_consented_by_both_sides_at_once_is_consented(db: &Db) {
    use duijie_domain::pairing::{Status, Step};
    use duijie_store::pairing;
    use pairing_support::*;
    let batch = new_batch(db, "并发测试批").await;
    let org = yunnan_org(db).await;
    let mut round = 0;
    for n in races::SIZES {
        for _ in 0..races::ROUNDS {
            round += 1;
            let mut p = county_pairing(batch, org.id, "530627");
            p.target_label = format!("第 {round} 轮");
            let id = propose(db, &p).await.unwrap();
            // Half the callers are the organisation, half the county: one of each wins.
            let ops = (0..n)
                .map(|i| move |mut tx: Tx| async move {
                    let (who, step) = if i % 2 == 0 { (Actor::system("org_yn"), Step::OrgConsent) } else { (county_officer(), Step::CountyConsent) };
                    let r = pairing::step(&mut tx, &who, id, step, "").await.map(|_| ());
                    (tx, r)
                })
                .collect();
            assert_eq!(races::at_once(db, ops).await, 2, "each side consents once");
            let after = pairing::get(db, id).await.unwrap().unwrap().unscoped();
            assert_eq!(after.status(), Status::Consented, "both consents make it consented, whichever came second");
            assert_eq!(pairing::events(db, id).await.unwrap().len(), 3, "proposed, one consent, the other");
            let mut tx = db.begin().await.unwrap();
            pairing::step(&mut tx, &officer(), id, Step::End, "测试结束").await.unwrap();
            tx.commit().await.unwrap();
        }
    }
}

async fn an_adjustment_approved_by_both_departments_at_once_is_applied_once(db: &Db) {
    use duijie_domain::pairing::Status;
    use duijie_store::pairing::{self, adjust};
    use pairing_support::*;
    let batch = new_batch(db, "并发调整批").await;
    let org = yunnan_org(db).await;
    let mut listed = Vec::new();
    for round in 0..2 * races::ROUNDS {
        let mut p = county_pairing(batch, org.id, "530627");
        p.target_label = format!("第 {round} 对");
        p.org_consents = true;
        p.county_consents = true;
        listed.push(propose(db, &p).await.unwrap());
    }
    let mut tx = db.begin().await.unwrap();
    pairing::publish_batch(&mut tx, &officer(), batch, duijie_store::now()).await.unwrap();
    tx.commit().await.unwrap();
    let doc = [adjust::Upload { file_name: "请示.pdf", content_type: "application/pdf", bytes: PDF }];
    let mut next = listed.into_iter();
    for n in races::SIZES {
        for _ in 0..races::ROUNDS {
            let pid = next.next().unwrap();
            let req = adjust::NewAdjustment {
                batch_id: batch,
                op: adjust::Op::End,
                pairing_id: Some(pid),
                org_id: 0,
                kind: duijie_domain::pairing::Kind::County,
                region: Some(code("530627")),
                target_label: String::new(),
                fields: String::new(),
                doc_no: "滇社发〔2026〕9号".into(),
                reason: "并发审批测试：终止该结对".into(),
            };
            let mut tx = db.begin().await.unwrap();
            let id = adjust::request(&mut tx, &officer(), &req, &doc).await.unwrap();
            tx.commit().await.unwrap();
            let ops = (0..n)
                .map(|i| move |mut tx: Tx| async move {
                    let (who, dept) = if i % 2 == 0 {
                        (Actor { user_id: None, name: "yn_mz".into(), unit: "云南省民政厅".into() }, Role::CivilAffairs)
                    } else {
                        (officer(), Role::RuralRevitalization)
                    };
                    let r = adjust::approve(&mut tx, &who, dept, id, duijie_store::now()).await.map(|_| ());
                    (tx, r)
                })
                .collect();
            assert_eq!(races::at_once(db, ops).await, 2, "each department approves once");
            assert_eq!(adjust::get(db, id).await.unwrap().unwrap().unscoped().status, AdjustmentStatus::Approved, "the second approval applies it");
            assert_eq!(pairing::get(db, pid).await.unwrap().unwrap().unscoped().status(), Status::Ended);
            assert_eq!(pairing::events(db, pid).await.unwrap().iter().filter(|e| e.to_status == "ended").count(), 1, "ended once");
        }
    }
}

async fn an_idempotency_key_keeps_its_answer_for_the_same_request_only(db: &Db) {
    use duijie_store::idempotency::{self, Answer, Claim};
    let user = users::by_username(db, "yl_xz").await.unwrap().unwrap().id;
    let (request, hash) = ("POST /api/v1/demands", "body-hash");
    assert_eq!(idempotency::claim(db, user, "k1", request, hash).await.unwrap(), Claim::Claimed);
    assert_eq!(idempotency::claim(db, user, "k1", request, hash).await.unwrap(), Claim::Running, "claimed, no answer yet");
    let answer = Answer { status: 201, content_type: "application/json".into(), body: b"{\"id\":7}".to_vec() };
    idempotency::finish(db, user, "k1", &answer).await.unwrap();
    assert_eq!(idempotency::claim(db, user, "k1", request, hash).await.unwrap(), Claim::Done(answer));
    assert_eq!(idempotency::claim(db, user, "k1", request, "other-body").await.unwrap(), Claim::Mismatch);
    assert_eq!(idempotency::claim(db, user, "k2", request, hash).await.unwrap(), Claim::Claimed);
    idempotency::release(db, user, "k2").await.unwrap();
    assert_eq!(idempotency::claim(db, user, "k2", request, hash).await.unwrap(), Claim::Claimed, "released keys can be claimed again");
}

both!(a_team_is_written_at_once_and_its_invariants_are_the_databases);

/// Group pairing (组团式): a team and its member pairings are written in one
/// transaction; a team's name is unique in its batch and a member pairs once
/// with each county of its team even when the check is bypassed (unique
/// indexes); one signed scan signs the team only when every given pairing may
/// be signed, and nothing is written otherwise.
async fn a_team_is_written_at_once_and_its_invariants_are_the_databases(db: &Db) {
    use duijie_domain::pairing::Step;
    use duijie_store::pairing::team::{self, NewMember, NewTeam};
    use pairing_support::*;
    let batch = new_batch(db, "组团测试批").await;
    let lead = yunnan_org(db).await;
    let other = duijie_store::orgs::all(db).await.unwrap().into_iter().find(|o| o.name == "演示·云南省电子商务协会").unwrap();
    let n = NewTeam {
        batch_id: batch,
        name: "镇雄县测试帮扶团".into(),
        lead_org_id: lead.id,
        members: vec![NewMember { org_id: lead.id, role: "产业帮扶".into(), funds_fen: 30_000_000 }, NewMember { org_id: other.id, role: "消费帮扶".into(), funds_fen: 0 }],
        counties: vec![code("530627")],
        org_consents: Some(lead.id),
        ..NewTeam::default()
    };
    let (pairings_before, audit_before) = (count(db, "SELECT COUNT(*) FROM pairings").await, count(db, "SELECT COUNT(*) FROM audit_log").await);
    let mut tx = db.begin().await.unwrap();
    let id = team::create(&mut tx, &officer(), &n).await.unwrap();
    tx.commit().await.unwrap();
    let t = team::get(db, id).await.unwrap().unwrap().unscoped();
    assert_eq!((t.lead_name.as_str(), t.region_code.as_str(), t.pairings.len()), ("演示·云南省乡村发展促进会", "530627", 2));
    assert!(t.pairings[0].org_consent_at.is_some() && t.pairings[1].org_consent_at.is_none(), "only the forming organisation's consent is given");
    assert_eq!(count(db, "SELECT COUNT(*) FROM pairings").await, pairings_before + 2);
    // The team's row, and each pairing's proposal.
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log").await, audit_before + 3);

    // The same name again in the batch: refused by the database, nothing written.
    let mut tx = db.begin().await.unwrap();
    let again = team::create(&mut tx, &officer(), &n).await;
    assert!(matches!(again, Err(duijie_store::Error::Conflict(_))), "{again:?}");
    drop(tx);
    // A second pairing of a member with the team's county, bypassing every check.
    let sql = "INSERT INTO pairings (batch_id, kind, org_id, org_region, region_code, county_code, team_id, status, proposed_by, proposed_at, updated_at) \
               VALUES ($1, 'county', $2, '53', '530627', '530627', $3, 'proposed', '测试', 0, 0)";
    let dup = on_db!(db, p => sqlx::query(sql).bind(batch).bind(other.id).bind(id).execute(p).await.map(|_| ()));
    assert!(dup.is_err_and(|e| duijie_store::Error::from(e).is_unique_violation()), "a member pairs once with each county of its team");
    assert_eq!(count(db, "SELECT COUNT(*) FROM pairings").await, pairings_before + 2);

    // Signing: all or nothing while a member has not consented.
    let ids: Vec<i64> = t.pairings.iter().map(|p| p.id).collect();
    let files = count(db, "SELECT COUNT(*) FROM pairing_files").await;
    let mut tx = db.begin().await.unwrap();
    assert!(team::attach_signed(&mut tx, &county_officer(), id, &ids, "协议.pdf", "application/pdf", PDF).await.is_err());
    drop(tx);
    assert_eq!(count(db, "SELECT COUNT(*) FROM pairing_files").await, files);
    step(db, &Actor::system("org_ec"), ids[1], Step::OrgConsent).await.unwrap();
    for pid in &ids {
        step(db, &county_officer(), *pid, Step::CountyConsent).await.unwrap();
    }
    let mut tx = db.begin().await.unwrap();
    let signed = team::attach_signed(&mut tx, &county_officer(), id, &ids, "协议.pdf", "application/pdf", PDF).await.unwrap();
    tx.commit().await.unwrap();
    assert!(signed.iter().all(|p| p.status == duijie_domain::pairing::Status::Signed && p.signed_file_id == signed[0].signed_file_id));
    assert_eq!(count(db, "SELECT COUNT(*) FROM pairing_files WHERE team_id IS NOT NULL").await, 1, "one file for the team");
    // A pairing of another team, or none, is not signed through this one.
    let mut tx = db.begin().await.unwrap();
    assert!(team::attach_signed(&mut tx, &county_officer(), id + 1, &ids, "协议.pdf", "application/pdf", PDF).await.is_err());
}

/// Every leaf hash the audit rows give, computed by the test's own RFC 9162
/// code from the entry encoding (docs/verifiable-log.md).
async fn reference_leaves(db: &Db) -> Vec<reference::H> {
    let n = duijie_store::log::size(db).await.unwrap();
    let rows = duijie_store::log::rows(db, 0, n).await.unwrap();
    assert_eq!(rows.len() as u64, n, "one leaf per audit row");
    rows.iter().map(|r| reference::leaf(&duijie_store::log::entry_of(r).encode())).collect()
}

async fn log_roots_and_proofs_equal_an_independent_rfc9162_tree(db: &Db) {
    some_audited_writes(db).await;
    let d = reference_leaves(db).await;
    let n = d.len();
    assert!(n > 20, "reference and demo data are audited");
    let audit_rows = count(db, "SELECT COUNT(*) FROM audit_log").await;
    assert_eq!(n as i64, audit_rows);
    for size in [1, 2, 3, n / 2, n - 1, n] {
        assert_eq!(duijie_store::log::root(db, size as u64).await.unwrap(), reference::mth(&d[..size]), "root at {size}");
        for index in [0, size / 3, size - 1] {
            let p = duijie_store::log::inclusion(db, index as u64, size as u64).await.unwrap();
            assert_eq!(p, reference::path(index, &d[..size]), "inclusion {index} in {size}");
        }
        for from in [1, size / 2 + 1, size] {
            let p = duijie_store::log::consistency(db, from as u64, size as u64).await.unwrap();
            assert_eq!(p, reference::proof(from, &d[..size]), "consistency {from} → {size}");
        }
    }
    assert!(duijie_store::log::inclusion(db, 0, n as u64 + 1).await.is_err(), "no proof beyond the tree");
}

async fn drop_log_guards(db: &Db) {
    match db {
        Db::Sqlite(p) => {
            for t in ["log_leaves_no_update", "log_leaves_no_delete", "log_nodes_no_update", "log_nodes_no_delete"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {t}"))).execute(p).await.unwrap();
            }
        }
        Db::Postgres(p) => {
            sqlx::query("ALTER TABLE log_leaves DISABLE TRIGGER log_leaves_no_change").execute(p).await.unwrap();
            sqlx::query("ALTER TABLE log_nodes DISABLE TRIGGER log_nodes_no_change").execute(p).await.unwrap();
        }
    }
}

async fn log_carries_over_audit_rows_without_leaves_once(db: &Db) {
    some_audited_writes(db).await;
    let before = reference_leaves(db).await;
    // The state a database migrated to 0010 starts in: audit rows, no tree.
    drop_log_guards(db).await;
    on_db!(db, p => sqlx::query("DELETE FROM log_nodes").execute(p).await.map(|_| ())).unwrap();
    on_db!(db, p => sqlx::query("DELETE FROM log_leaves").execute(p).await.map(|_| ())).unwrap();
    assert_eq!(duijie_store::log::size(db).await.unwrap(), 0);
    let added = duijie_store::log::catch_up(db).await.unwrap();
    assert_eq!(added as usize, before.len());
    assert_eq!(duijie_store::log::catch_up(db).await.unwrap(), 0, "idempotent");
    assert_eq!(reference_leaves(db).await, before);
    let n = before.len() as u64;
    assert_eq!(duijie_store::log::root(db, n).await.unwrap(), reference::mth(&before));
    assert_eq!(duijie_store::log::inclusion(db, 5, n).await.unwrap(), reference::path(5, &before));
    // An audited write that finds its predecessor missing carries the rest over itself.
    let nodes_from = |level: i64| (n - 10) as i64 >> level;
    for level in 1..64i64 {
        on_db!(db, p => sqlx::query("DELETE FROM log_nodes WHERE level = $1 AND idx >= $2").bind(level).bind(nodes_from(level)).execute(p).await.map(|_| ())).unwrap();
    }
    for idx in (n - 10..n).rev() {
        on_db!(db, p => sqlx::query("DELETE FROM log_leaves WHERE idx = $1").bind(idx as i64).execute(p).await.map(|_| ())).unwrap();
    }
    some_audited_writes(db).await;
    let after = reference_leaves(db).await;
    assert_eq!(after.len(), before.len() + 3);
    assert_eq!(after[..before.len()], before[..]);
    assert_eq!(duijie_store::log::root(db, after.len() as u64).await.unwrap(), reference::mth(&after));
    // Opening the database again finds nothing to carry over.
    assert_eq!(duijie_store::log::catch_up(db).await.unwrap(), 0);
}

async fn log_leaf_indexes_are_unique_and_gap_free_by_the_schema(db: &Db) {
    let n = duijie_store::log::size(db).await.unwrap() as i64;
    let insert = "INSERT INTO log_leaves (idx, prev_idx, hash) VALUES ($1, $2, 'x')";
    let gap = on_db!(db, p => sqlx::query(insert).bind(n + 1).bind(n).execute(p).await.map(|_| ()));
    assert!(gap.is_err(), "a leaf after a missing one is refused");
    let no_prev = on_db!(db, p => sqlx::query(insert).bind(n).bind(None::<i64>).execute(p).await.map(|_| ()));
    assert!(no_prev.is_err(), "only leaf 0 has no predecessor");
    let twice = on_db!(db, p => sqlx::query(insert).bind(n - 1).bind(n - 2).execute(p).await.map(|_| ()));
    assert!(twice.is_err(), "an index is used once");
    let change = on_db!(db, p => sqlx::query("UPDATE log_leaves SET hash = 'x' WHERE idx = 0").execute(p).await.map(|_| ()));
    assert!(change.is_err(), "leaves are append-only");
    let remove = on_db!(db, p => sqlx::query("DELETE FROM log_nodes WHERE level = 1 AND idx = 0").execute(p).await.map(|_| ()));
    assert!(remove.is_err(), "nodes are append-only");
}

async fn log_concurrent_audited_writes_stay_one_gap_free_tree(db: &Db) {
    let start = duijie_store::log::size(db).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..6 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..8 {
                let mut tx = db.begin().await.unwrap();
                let id = format!("{w}-{i}");
                audit::append(&mut tx, &officer(), Change { region: "53", action: "test.race", entity: "test", entity_id: &id, before: None, after: None })
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(duijie_store::log::size(db).await.unwrap(), start + 48);
    let d = reference_leaves(db).await;
    assert_eq!(duijie_store::log::root(db, d.len() as u64).await.unwrap(), reference::mth(&d));
    assert!(matches!(audit::verify(db).await.unwrap(), Verification::Intact { .. }));
}

both!(a_project_changes_state_only_from_the_state_it_was_in);

/// Projects (帮扶项目): progress starts a planned project, the county's
/// confirmation is taken once (the second finds it done and writes nothing),
/// a done or stopped project takes no progress, confirmation or stop, and
/// the database itself refuses a status or a figure no code writes (CHECKs).
async fn a_project_changes_state_only_from_the_state_it_was_in(db: &Db) {
    use duijie_domain::project::{NewProgress, NewProject, Source};
    use duijie_store::projects::{self, Recorded};
    let org: i64 = on_db!(db, p => sqlx::query_scalar("SELECT id FROM organizations WHERE name = '演示·彝良县助学服务中心'").fetch_one(p).await).unwrap();
    let project = NewProject {
        title: "存储测试项目".into(),
        region: code("530628"),
        nature: "民生帮扶".into(),
        field: String::new(),
        mode: String::new(),
        planned_funds_fen: 1_000_000,
        actual_funds_fen: 0,
        people: 1,
        beneficiaries: 10,
        beneficiary_groups: String::new(),
        start_date: String::new(),
        end_date: String::new(),
        description: String::new(),
    };
    let record = |title: &str| Recorded { org_id: org, source: Source::Direct, pairing_id: None, action_id: None, project: NewProject { title: title.into(), ..project.clone() }, is_demo: false };
    let org_actor = Actor { user_id: None, name: "org_yl".into(), unit: "彝良县助学服务中心".into() };
    let county = Actor { user_id: None, name: "yl_xz".into(), unit: "彝良县乡村振兴局".into() };
    let step = NewProgress { on: "2026-06-01".into(), note: "完工".into(), funds_fen: Some(900_000), people: Some(2), beneficiaries: None };
    let mut tx = db.begin().await.unwrap();
    let id = projects::create(&mut tx, &org_actor, &record("存储测试项目")).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    assert!(matches!(projects::confirm(&mut tx, &county, id).await, Err(duijie_store::Error::Changed { .. })), "a planned project is not confirmed");
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    projects::add_progress(&mut tx, &org_actor, id, &step, &[]).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let done = projects::confirm(&mut tx, &county, id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((done.status.as_str(), done.actual_funds_fen, done.people, done.beneficiaries, done.confirmed_by.as_str()), ("done", 900_000, 2, 10, "彝良县乡村振兴局"), "an empty figure kept the recorded one");
    let audit_rows = "SELECT COUNT(*) FROM audit_log WHERE entity = 'project' AND action = 'project.confirm'";
    assert_eq!(count(db, audit_rows).await, 1);
    for attempt in 0..3 {
        let mut tx = db.begin().await.unwrap();
        let r = match attempt {
            0 => projects::confirm(&mut tx, &county, id).await.map(|_| ()),
            1 => projects::add_progress(&mut tx, &org_actor, id, &step, &[]).await.map(|_| ()),
            _ => projects::stop(&mut tx, &org_actor, id, "不再需要").await.map(|_| ()),
        };
        match r {
            Err(duijie_store::Error::Changed { current, .. }) => assert_eq!(current["status"], "done", "attempt {attempt}"),
            other => panic!("attempt {attempt} on a done project: {other:?}"),
        }
    }
    assert_eq!(count(db, audit_rows).await, 1, "nothing more was written");

    let mut tx = db.begin().await.unwrap();
    let stopped = projects::create(&mut tx, &org_actor, &record("终止的项目")).await.unwrap();
    projects::stop(&mut tx, &org_actor, stopped, "资金未到位").await.unwrap();
    assert!(matches!(projects::add_progress(&mut tx, &org_actor, stopped, &step, &[]).await, Err(duijie_store::Error::Changed { .. })));
    drop(tx);

    // The database refuses what no code path writes.
    for bad in ["UPDATE projects SET status = 'finished' WHERE id = $1", "UPDATE projects SET actual_funds_fen = -1 WHERE id = $1"] {
        let r = duijie_store::on_db_exec!(db, p => sqlx::query(sqlx::AssertSqlSafe(bad)).bind(id).execute(p).await);
        assert!(r.is_err(), "{bad} is refused by a CHECK");
    }
    assert!(matches!(audit::verify(db).await.unwrap(), Verification::Intact { .. }));
}

/// The half-year cycle's storage: steps are compare-and-set on the unit's
/// status, an approved report's figures never move (the database refuses),
/// a unit's own projects leave out those of units below it that report, and
/// the lists of units and reports follow the region.
async fn an_approved_report_keeps_its_figures_and_each_unit_sees_only_its_own(db: &Db) {
    use duijie_domain::Level;
    use duijie_domain::report::{NewReport, Step, TableDef, UnitScope, UnitStatus};
    use duijie_store::reports;
    let def = TableDef::parse(include_str!("../../../tables/jiangsu-1.json")).unwrap();
    let new = NewReport { title: "2026年调度".into(), period_from: "2026-01-01".into(), period_to: "2026-12-31".into(), due_on: "2026-12-15".into(), levels: vec![Level::Prefecture, Level::County], orgs: None, tables: vec!["jiangsu-1".into()] };
    let region = |c: &str| duijie_domain::report::UnitKey::Region(code(c));
    let units = [(region("5306"), code("53")), (region("530628"), code("5306")), (region("530627"), code("5306"))];
    let actor = Actor::system("云南省民政厅");
    let mut tx = db.begin().await.unwrap();
    let id = reports::create(&mut tx, &actor, &code("53"), &new, std::slice::from_ref(&def), &units).await.unwrap();
    tx.commit().await.unwrap();
    let report = reports::get(db, id).await.unwrap().unwrap().unscoped();
    assert_eq!(report.tables().unwrap()[0].key, "jiangsu-1", "the report keeps its own copy of the definition");

    // Scope: a county's subtree holds its own unit only; another province takes part in nothing.
    let own: Vec<String> = reports::units_within(db, id, &code("530628")).await.unwrap().iter().map(|u| u.unit_code.to_string()).collect();
    assert_eq!(own, ["530628"]);
    assert_eq!(reports::units_within(db, id, &code("5306")).await.unwrap().len(), 3);
    assert!(reports::list(db, &code("52")).await.unwrap().is_empty());
    assert_eq!(reports::list(db, &code("530628")).await.unwrap().len(), 1, "a county takes part in its province's report");
    let reviewed: Vec<String> = reports::reviewed_by(db, id, &code("5306")).await.unwrap().iter().map(|u| u.unit_code.to_string()).collect();
    assert_eq!(reviewed, ["530627", "530628"]);

    // Steps: only along the state machine, and once.
    let county = region("530628");
    let mut tx = db.begin().await.unwrap();
    assert!(reports::step(&mut tx, &actor, &report, &county, Step::Approve, "", None).await.is_err(), "nothing submitted yet");
    let u = reports::step(&mut tx, &actor, &report, &county, Step::Submit, "", Some(r#"{"jiangsu-1":{"kind":"grid","cells":[]}}"#)).await.unwrap();
    assert_eq!((u.status, u.round), (UnitStatus::Submitted, 1));
    assert!(matches!(reports::step(&mut tx, &actor, &report, &county, Step::Submit, "", Some("{}")).await, Err(duijie_store::Error::Changed { .. })));
    assert!(reports::step(&mut tx, &actor, &report, &county, Step::Return, " ", None).await.is_err(), "a return needs its reason");
    reports::step(&mut tx, &actor, &report, &county, Step::Approve, "", None).await.unwrap();
    let narrative = duijie_domain::report::Narrative { progress: "改".into(), ..Default::default() };
    assert!(matches!(reports::save_draft(&mut tx, &actor, "report.draft", id, &county, Some(&narrative), &[], &[]).await, Err(duijie_store::Error::Changed { .. })), "an approved report is not edited");
    tx.commit().await.unwrap();

    // The lock is the database's: a direct change of the approved figures is refused.
    let tamper = duijie_store::on_db_exec!(db, p => sqlx::query("UPDATE report_units SET figures = '{}' WHERE report_id = $1 AND unit_code = '530628'").bind(id).execute(p).await);
    assert!(tamper.is_err());
    let kept = reports::unit(db, id, &county).await.unwrap().unwrap().unscoped();
    assert_eq!(kept.figures, r#"{"jiangsu-1":{"kind":"grid","cells":[]}}"#);
    // Reopening goes through the level above; the figures may be replaced only after it.
    let mut tx = db.begin().await.unwrap();
    reports::step(&mut tx, &actor, &report, &county, Step::RequestReopen, "漏报", None).await.unwrap();
    let u = reports::step(&mut tx, &actor, &report, &county, Step::GrantReopen, "", None).await.unwrap();
    assert_eq!(u.status, UnitStatus::Returned);
    reports::step(&mut tx, &actor, &report, &county, Step::Submit, "", Some("{}")).await.unwrap();
    tx.commit().await.unwrap();
    let steps: Vec<&str> = reports::steps(db, id, &county).await.unwrap().iter().map(|s| s.step.as_str()).collect();
    assert_eq!(steps, ["submit", "approve", "request_reopen", "grant_reopen", "submit"]);

    // A prefecture's own projects leave out those of its counties' organisations.
    let yl = org_named_d(db, "演示·彝良县助学服务中心").await.id;
    let mut tx = db.begin().await.unwrap();
    let project = duijie_domain::project::NewProject {
        title: "助学".into(), region: code("530628"), nature: "教育帮扶".into(), field: String::new(), mode: String::new(), planned_funds_fen: 0,
        actual_funds_fen: 0, people: 0, beneficiaries: 0, beneficiary_groups: String::new(), start_date: "2026-03-01".into(), end_date: String::new(), description: String::new(),
    };
    let pid = duijie_store::projects::create(&mut tx, &actor, &duijie_store::projects::Recorded { org_id: yl, source: duijie_domain::project::Source::Direct, pairing_id: None, action_id: None, project, is_demo: false }).await.unwrap();
    tx.commit().await.unwrap();
    let in_county = reports::facts(db, UnitScope::Registered, &code("530628"), &[], "2026-01-01", "2026-12-31", false).await.unwrap();
    assert!(in_county.iter().any(|f| f.project_id == pid));
    let prefecture_own = reports::facts(db, UnitScope::Registered, &code("5306"), &[code("530627"), code("530628")], "2026-01-01", "2026-12-31", false).await.unwrap();
    assert!(!prefecture_own.iter().any(|f| f.project_id == pid), "the county's organisation reports through the county");
    let helped = reports::facts(db, UnitScope::Helped, &code("5306"), &[], "2026-01-01", "2026-12-31", true).await.unwrap();
    assert!(helped.iter().any(|f| f.project_id == pid));
    let before_period = reports::facts(db, UnitScope::Registered, &code("530628"), &[], "2025-01-01", "2025-12-31", false).await.unwrap();
    assert!(!before_period.iter().any(|f| f.project_id == pid), "a project starting after the period is not in it");
}

/// Organisations registered under a region with no reporting unit of its own
/// (Hubei's 省直辖县级行政区划, a grouping row of the statistics with no
/// office) are counted at the nearest unit above — the province — and by no
/// other unit: each unit's own projects are its subtree minus the units it
/// reviews, as the report's tables read them.
async fn a_project_under_a_region_without_a_unit_counts_once_at_the_unit_above(db: &Db) {
    use duijie_domain::Level;
    use duijie_domain::report::{NewReport, TableDef, UnitScope};
    use duijie_store::reports;
    let def = TableDef::parse(include_str!("../../../tables/jiangsu-1.json")).unwrap();
    let new = NewReport { title: "2026年湖北调度".into(), period_from: "2026-01-01".into(), period_to: "2026-12-31".into(), due_on: "2026-12-15".into(), levels: vec![Level::Prefecture, Level::County], orgs: None, tables: vec!["jiangsu-1".into()] };
    // As `app::reports::create` makes them: 4290 is no unit, its county 仙桃市 reports to the province.
    let region = |c: &str| duijie_domain::report::UnitKey::Region(code(c));
    let units = [(region("4201"), code("42")), (region("420102"), code("4201")), (region("429004"), code("42"))];
    let actor = Actor::system("湖北省民政厅");
    let mut tx = db.begin().await.unwrap();
    let id = reports::create(&mut tx, &actor, &code("42"), &new, &[def], &units).await.unwrap();
    let org = duijie_store::orgs::create(&mut tx, &actor, &duijie_store::orgs::NewOrganization {
        credit_code: duijie_domain::Uscc::complete("5242900011000012").unwrap(),
        org_type: duijie_domain::OrgType::ServiceInstitution,
        region: code("4290"),
        profile: duijie_store::orgs::OrgProfile { name: "省直辖县级区划助农服务中心".into(), fields: "产业".into(), ..Default::default() },
        approval: duijie_domain::org::Approval::Approved,
        is_demo: false,
        provenance: String::new(),
    })
    .await
    .unwrap();
    let project = duijie_domain::project::NewProject {
        title: "仙桃助农".into(), region: code("429004"), nature: "产业帮扶".into(), field: String::new(), mode: String::new(), planned_funds_fen: 0,
        actual_funds_fen: 1_000_000, people: 2, beneficiaries: 40, beneficiary_groups: String::new(), start_date: "2026-03-01".into(), end_date: String::new(), description: String::new(),
    };
    let pid = duijie_store::projects::create(&mut tx, &actor, &duijie_store::projects::Recorded { org_id: org, source: duijie_domain::project::Source::Direct, pairing_id: None, action_id: None, project, is_demo: false }).await.unwrap();
    tx.commit().await.unwrap();

    let mut counted_by = Vec::new();
    for unit in ["42", "4201", "420102", "429004"] {
        let below: Vec<RegionCode> = reports::reviewed_by(db, id, &code(unit)).await.unwrap().into_iter().filter_map(|u| u.unit_code.region().cloned()).collect();
        let own = reports::facts(db, UnitScope::Registered, &code(unit), &below, "2026-01-01", "2026-12-31", false).await.unwrap();
        if own.iter().any(|f| f.project_id == pid) {
            counted_by.push(unit);
        }
    }
    assert_eq!(counted_by, ["42"], "counted once, by the province it reports to");
}

mod complaint_support {
    use super::*;
    use duijie_domain::complaint::{Category, Receipt};
    use duijie_store::complaints::{self, Accused, Complaint, NewComplaint};

    pub fn public() -> Actor {
        Actor { user_id: None, name: "公众".into(), unit: "投诉举报".into() }
    }

    pub fn county_office() -> Actor {
        Actor { user_id: None, name: "yl_mz".into(), unit: "彝良县民政局".into() }
    }

    pub fn new_complaint(accused: Accused, place: &str) -> NewComplaint {
        NewComplaint {
            receipt: Receipt::generate(),
            category: Category::Fees,
            accused,
            place: code(place),
            description: "以帮扶名义向村民收取报名费".into(),
            contact: None,
            due_on: chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap(),
        }
    }

    pub async fn file(db: &Db, n: &NewComplaint) -> duijie_store::Result<(i64, RegionCode)> {
        let mut tx = db.begin().await.unwrap();
        let r = complaints::file(&mut tx, &public(), n, &[complaints::Upload { file_name: "收据.pdf", content_type: "application/pdf", bytes: b"%PDF-1.4 receipt" }]).await;
        if r.is_ok() {
            tx.commit().await.unwrap();
        }
        r
    }

    /// A complaint about `org` filed and assigned to the first civil-affairs user of its office.
    pub async fn assigned(db: &Db, org: i64) -> Complaint {
        let (id, office) = file(db, &new_complaint(Accused::Registered(org), "530628102")).await.unwrap();
        let handler = complaints::handlers(db, &office).await.unwrap().first().expect("a civil-affairs user of the office").0;
        let mut tx = db.begin().await.unwrap();
        let c = complaints::assign(&mut tx, &county_office(), id, handler, "").await.unwrap();
        tx.commit().await.unwrap();
        c
    }
}

async fn a_complaint_goes_to_the_registration_authority_or_to_the_county_where_it_happened(db: &Db) {
    use complaint_support::*;
    use duijie_store::complaints::{self, Accused};
    let jiangsu = pairing_support::org_named(db, "演示·江苏省乡村振兴公益基金会").await;
    let national = pairing_support::org_named(db, "演示·中华乡村发展公益基金会").await;
    // Where it happened does not matter for a registered organisation: its registration authority handles it.
    let (a, office) = file(db, &new_complaint(Accused::Registered(jiangsu.id), "530628102")).await.unwrap();
    assert_eq!(office, code("32"));
    let (b, office) = file(db, &new_complaint(Accused::Registered(national.id), "530628")).await.unwrap();
    assert_eq!(office, RegionCode::national(), "民政部 for a nationally registered foundation");
    // An unregistered group: the county of the place.
    let (c, office) = file(db, &new_complaint(Accused::Unregistered("某某乡村振兴促进会（未登记）".into()), "530628102")).await.unwrap();
    assert_eq!(office, code("530628"));
    let err = file(db, &new_complaint(Accused::Unregistered("某协会".into()), "5306")).await.unwrap_err();
    assert!(err.to_string().contains("县级或以下"), "{err}");
    // The offices see exactly theirs: 彝良县民政局 and 昭通市 see the group's, 江苏省民政厅 the foundation's, 民政部 all.
    let ids = |scope: duijie_domain::Scope| async move { complaints::list(db, &scope, false, 100, 0).await.unwrap().0.into_iter().map(|c| c.id).collect::<Vec<_>>() };
    assert_eq!(ids(principal_of(db, "yl_mz").await.scope()).await, vec![c]);
    assert_eq!(ids(principal_of(db, "zt_mz").await.scope()).await, vec![c]);
    assert_eq!(ids(principal_of(db, "js_mz").await.scope()).await, vec![a]);
    assert_eq!(ids(duijie_domain::Scope::everything()).await, vec![c, b, a]);
    let (page, total) = complaints::list(db, &duijie_domain::Scope::everything(), false, 1, 1).await.unwrap();
    assert_eq!((page.into_iter().map(|c| c.id).collect::<Vec<_>>(), total), (vec![b], 3), "one page, and the count of all");
    // The organisation sees nothing before the office asks it to answer.
    assert!(ids(principal_of(db, "org_js").await.scope()).await.is_empty());
    // And each office was told.
    assert!(inbox_titles(db, &principal_of(db, "yl_mz").await).await.iter().any(|t| t.contains("某某乡村振兴促进会")));
    assert!(inbox_titles(db, &principal_of(db, "js_mz").await).await.iter().any(|t| t.contains("江苏省乡村振兴公益基金会")));
}

async fn a_complaint_outcome_that_lists_the_organisation_refuses_its_next_pairing_proposal(db: &Db) {
    use complaint_support::*;
    use duijie_domain::complaint::{Closing, Outcome};
    use duijie_domain::org::CreditList;
    use duijie_store::complaints;
    use pairing_support::*;
    let org = org_named(db, "演示·彝良县助学服务中心").await;
    let batch = new_batch(db, "测试批").await;
    let c = assigned(db, org.id).await;
    assert_eq!(c.office_code, code("530628"));
    let closing = Closing {
        outcome: Outcome::Penalty { doc_no: "彝民罚〔2026〕1号".into() },
        summary: "经查属实，已依法处罚".into(),
        credit: Some((CreditList::Serious, "以帮扶名义乱收费".into(), "彝民〔2026〕3号".into())),
    };
    let mut tx = db.begin().await.unwrap();
    let closed = complaints::close(&mut tx, &county_office(), c.id, &closing).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((closed.status.as_str(), closed.outcome.as_str(), closed.credit_list.as_str()), ("closed", "penalty", "serious"));
    let listed = duijie_store::orgs::get(db, org.id).await.unwrap().unwrap().unscoped();
    assert_eq!(listed.credit_list(), Some(CreditList::Serious));
    assert!(listed.credit_list_reason.contains("彝民〔2026〕3号"), "the reason names the document: {}", listed.credit_list_reason);
    let before = count(db, "SELECT COUNT(*) FROM pairings").await;
    let err = propose(db, &county_pairing(batch, org.id, "530627")).await.unwrap_err();
    assert!(err.to_string().contains("严重违法失信名单"), "{err}");
    assert_eq!(count(db, "SELECT COUNT(*) FROM pairings").await, before, "nothing written");
    // The listing is in the audit trail with the complaint's close.
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'organization.credit_list'").await, 1);
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.close'").await, 1);
    // A later outcome does not move it down to the lighter list: refused, nothing written.
    let later = assigned(db, org.id).await;
    let lighter = Closing { credit: Some((CreditList::Abnormal, "未按期整改".into(), "彝民〔2026〕5号".into())), ..closing };
    let mut tx = db.begin().await.unwrap();
    let err = complaints::close(&mut tx, &county_office(), later.id, &lighter).await.unwrap_err();
    drop(tx);
    assert!(err.to_string().contains("严重违法失信名单"), "{err}");
    let still = duijie_store::orgs::get(db, org.id).await.unwrap().unwrap().unscoped();
    assert_eq!(still.credit_list(), Some(CreditList::Serious));
    assert_eq!(complaints::get(db, later.id).await.unwrap().unwrap().unscoped().status.as_str(), "investigating");
}

async fn of_two_closes_of_one_complaint_at_once_exactly_one_wins(db: &Db) {
    use complaint_support::*;
    use duijie_domain::complaint::{Closing, Outcome};
    use duijie_store::complaints;
    let org = pairing_support::org_named(db, "演示·彝良县助学服务中心").await;
    let c = assigned(db, org.id).await;
    let close = |outcome: Outcome| async move {
        let closing = Closing { outcome, summary: "办结".into(), credit: None };
        let mut tx = db.begin().await?;
        let r = complaints::close(&mut tx, &county_office(), c.id, &closing).await?;
        tx.commit().await?;
        Ok::<_, duijie_store::Error>(r)
    };
    let deadline = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    let (a, b) = tokio::join!(close(Outcome::Unfounded), close(Outcome::Rectification { deadline }));
    let won = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "exactly one close wins: {a:?} / {b:?}");
    let lost = if a.is_ok() { b } else { a };
    assert!(matches!(lost, Err(duijie_store::Error::Changed { .. })), "the other is told it changed: {lost:?}");
    assert_eq!(count(db, "SELECT COUNT(*) FROM complaint_entries WHERE kind = 'close'").await, 1);
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.close'").await, 1);
    // A closed complaint takes no other outcome, and the schema refuses an outcome on an open one.
    let again = close(Outcome::Unfounded).await.unwrap_err();
    assert!(matches!(again, duijie_store::Error::Changed { .. }), "{again:?}");
    let d = complaint_support::file(db, &new_complaint(duijie_store::complaints::Accused::Registered(org.id), "530628")).await.unwrap().0;
    let forced = duijie_store::on_db_exec!(db, p => sqlx::query("UPDATE complaints SET outcome = 'unfounded' WHERE id = $1").bind(d).execute(p).await);
    assert!(forced.is_err(), "an open complaint with an outcome is refused by the schema");
}

async fn a_complainants_contact_is_sealed_and_each_view_is_audited(db: &Db) {
    use complaint_support::*;
    use duijie_domain::sealing::Sealer;
    use duijie_store::complaints::{self, Accused, Contact};
    const NAME: &str = "欧阳举报";
    const PHONE: &str = "13987654321";
    let sealer = Sealer::from_hex(&Sealer::generate_key_hex()).unwrap();
    let mut n = new_complaint(Accused::Unregistered("某协会".into()), "530628");
    n.contact = Some(Contact { name: NAME.into(), phone: PHONE.into() }.seal(&sealer));
    let (id, _) = file(db, &n).await.unwrap();
    let stored: String = on_db!(db, p => sqlx::query_scalar::<_, String>("SELECT contact_name_sealed || contact_phone_sealed FROM complaints").fetch_one(p).await).unwrap();
    let audit_text: Vec<String> = on_db!(db, p => sqlx::query_scalar::<_, String>("SELECT COALESCE(after_json, '') FROM audit_log").fetch_all(p).await).unwrap();
    for secret in [NAME, PHONE] {
        assert!(!stored.contains(secret), "{secret} stored in clear");
        assert!(!audit_text.iter().any(|t| t.contains(secret)), "{secret} in the audit trail");
    }
    let c = complaints::get(db, id).await.unwrap().unwrap().unscoped();
    let mut tx = db.begin().await.unwrap();
    let contact = complaints::complainant(&mut tx, &county_office(), &sealer, &c).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(contact, Some(Contact { name: NAME.into(), phone: PHONE.into() }));
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.complainant.view'").await, 1);
    // An anonymous complaint has nothing to open and records no view.
    let (anon, _) = file(db, &new_complaint(Accused::Unregistered("某协会".into()), "530628")).await.unwrap();
    let c = complaints::get(db, anon).await.unwrap().unwrap().unscoped();
    let mut tx = db.begin().await.unwrap();
    assert_eq!(complaints::complainant(&mut tx, &county_office(), &sealer, &c).await.unwrap(), None);
    tx.commit().await.unwrap();
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.complainant.view'").await, 1);
}
