//! The exam board: write a question in the editor with its live preview, import
//! a GIFT file through the dry run, approve a colleague's question (four eyes).

use hyper::Method;
use serde_json::json;

use crate::http::{Api, unique};
use crate::web::{self, Js, journey, vi};
use crate::world::{ADMIN_PASSWORD, DEMO_PASSWORD};

const GIFT: &str = "// Two questions in Moodle's GIFT format.
::gift-1:: Luật Cán bộ, công chức được Quốc hội thông qua năm nào? {=2008 ~2010 ~2012}

::gift-2:: Công chức được đánh giá, xếp loại chất lượng hằng năm. {T}
";

#[tokio::test]
async fn the_board_writes_a_question_with_live_preview_imports_gift_and_approves_a_colleagues() {
    journey(|j| async move {
        let w = &j.world;
        let admin = Api::login(w, "admin", ADMIN_PASSWORD).await;
        let bank = admin
            .post(
                "/api/banks",
                json!({"name": unique("Pháp luật hành chính "), "subject": "general_knowledge",
                       "language": "vi", "ignore_diacritics": true}),
            )
            .await["id"]
            .as_i64()
            .expect("a bank id");
        for member in ["demo.board1", "demo.board2"] {
            admin
                .post(
                    &format!("/api/banks/{bank}/members"),
                    json!({"username": member}),
                )
                .await;
        }
        // A colleague's draft, waiting for a second pair of eyes.
        let board2 = Api::login(w, "demo.board2", DEMO_PASSWORD).await;
        let r = board2
            .request_raw(
                Method::POST,
                &format!("/api/banks/{bank}/import?file_name=colleague.gift"),
                "::dong-nghiep-1:: Thủ đô của Việt Nam là? {=Hà Nội ~Huế ~Đà Nẵng}\n".into(),
            )
            .await;
        assert_eq!(r.status, 200, "the colleague's import: {}", r.text());

        let b = j.browser(Js::On).await;
        b.sign_in("demo.board1", DEMO_PASSWORD).await;

        // A new question; the preview follows the typing without a click.
        b.goto(&format!("/banks/{bank}/questions/new")).await;
        b.select("#kind", "single_choice").await;
        b.find("#question-editor").await;
        b.fill("#topic", "Luật/Cán bộ công chức").await;
        // Until the options make a valid question the preview lists what is wrong.
        b.fill("input[name=row_text_0]", "Quốc hội").await;
        b.fill("input[name=row_text_1]", "Chính phủ").await;
        b.wait_element_text("#preview", "100%").await;
        b.fill("input[name=row_weight_0]", "100").await;
        let stem = "Cơ quan nào ban hành Luật Cán bộ, công chức?";
        b.fill("#stem", stem).await;
        b.wait_element_text("#preview", stem).await;
        b.fill("input[name=row_text_2]", "Bộ Nội vụ").await;
        b.wait_element_text("#preview", "Bộ Nội vụ").await;
        b.unfocus().await;
        b.screenshot("board-editor").await;
        web::every_control_is_labelled(&b).await;
        web::focus_is_visible(&b).await;
        b.submit("button[name=action][value=save]").await;
        b.wait_path(&format!("/banks/{bank}/questions/")).await;
        b.wait_text(stem).await;

        // GIFT: the dry run reports, nothing is written until confirmed.
        let file = w.dir.join(format!("{}.gift", unique("import-")));
        std::fs::write(&file, GIFT).expect("the scratch dir is writable");
        b.goto(&format!("/banks/{bank}/import")).await;
        web::every_control_is_labelled(&b).await;
        b.find("#file")
            .await
            .send_keys(&file.display().to_string())
            .await
            .expect("a file input");
        b.click("form[enctype='multipart/form-data'] button[type=submit]")
            .await;
        let report = b.wait_text(&vi("banks.dry_run")).await;
        assert!(
            report.contains("GIFT") || report.contains("gift"),
            "{report}"
        );
        let before = counts(&admin, bank).await;
        assert_eq!(before["draft"], 2, "the dry run wrote nothing: {before}");
        b.click(&format!(
            "form[action='/banks/{bank}/import/confirm'] button"
        ))
        .await;
        b.wait_text(&vi("banks.import_done")).await;

        // Approve the colleague's question: one confirmation, then done.
        b.goto(&format!("/banks/{bank}/questions")).await;
        b.find("table").await;
        let link =
            b.c.find(fantoccini::Locator::XPath(
                "//tr[contains(., 'dong-nghiep-1')]//a[contains(@href, '/questions/')]",
            ))
            .await
            .expect("the colleague's question is listed");
        let key = link.text().await.unwrap_or_default();
        let href = link.attr("href").await.ok().flatten().expect("a link");
        link.click()
            .await
            .expect("opening the colleague's question");
        // The list has a review form too: be on the question's page first.
        b.wait_path(&href).await;
        b.click(&format!("form[action='/banks/{bank}/review'] button"))
            .await;
        b.wait_text(&vi("banks.confirm_approve")).await;
        b.click(&format!(
            "form[action='/banks/{bank}/review'] button[type=submit]"
        ))
        .await;
        let done = b.wait_text(&vi("banks.approved_these")).await;
        assert!(done.contains(&key), "{key} approved: {done}");

        let after = counts(&admin, bank).await;
        assert_eq!(after["approved"], 1, "{after}");
        assert_eq!(
            after["draft"], 3,
            "the colleague's was approved; the new one and the two imported wait: {after}"
        );
    })
    .await;
}

/// Approved, draft and retired counts of one bank.
async fn counts(admin: &Api, bank: i64) -> serde_json::Value {
    let all = admin.get("/api/banks").await;
    all.as_array()
        .and_then(|v| v.iter().find(|b| b["id"] == json!(bank)))
        .map(|b| b["counts"].clone())
        .unwrap_or_else(|| panic!("bank {bank} is not listed: {all}"))
}
