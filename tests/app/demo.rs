use crate::harness::TestApp;

#[tokio::test]
async fn the_demo_loads_twice_without_change_and_shows_every_role_something() {
    let app = TestApp::new().await;
    merit::demo::load(&app.state).await.unwrap();
    let count = |app: &TestApp| {
        let db = app.state.db.clone();
        async move {
            let users = merit::accounts::store::count_users(&db).await.unwrap();
            let campaigns = merit::campaigns::store::campaigns_in(&db, &None)
                .await
                .unwrap()
                .len();
            (users, campaigns)
        }
    };
    let first = count(&app).await;
    merit::demo::load(&app.state).await.unwrap();
    assert_eq!(count(&app).await, first, "loading twice changes nothing");
    assert_eq!(first.1, 2, "a recruitment and a promotion campaign");

    let hr = app
        .api_login("demo.personnel", merit::demo::DEMO_PASSWORD)
        .await;
    let campaigns = hr.get("/api/campaigns").await.json();
    let id = campaigns[0]["id"].as_i64().unwrap();
    let apps = hr
        .get(&format!("/api/campaigns/{id}/applications"))
        .await
        .json();
    assert!(apps["total"].as_u64().unwrap() >= 10);
    let candidate = app
        .api_login("demo.candidate", merit::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        candidate.get("/api/me/applications").await.json()[0]["status"],
        "approved"
    );
    let mut admin = app.browser();
    admin
        .sign_in("demo.admin", merit::demo::DEMO_PASSWORD)
        .await;
    assert!(admin.get("/admin/units").await.text().contains("Sở Nội vụ"));
}
