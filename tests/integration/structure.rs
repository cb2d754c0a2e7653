//! Procedures, console paths, labels and links, on fixtures shaped like
//! the real inputs (a Huawei-style page, a crawl, prose references).

use axum::http::StatusCode;
use serde_json::{Value, json};
use wenda::article::{Article, LinkKind};
use wenda::corpus;

use crate::common::*;

fn load(dir: &str) -> corpus::Corpus {
    corpus::load(&[data(dir)]).unwrap()
}

fn find<'a>(c: &'a corpus::Corpus, id: &str) -> &'a Article {
    c.articles
        .iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

#[test]
fn huawei_style_page_gives_sections_steps_paths_and_notes() {
    let c = load("docset");
    let a = find(&c, "sub/更改时区");
    let headings: Vec<_> = a.sections.iter().map(|s| s.heading.clone()).collect();
    assert_eq!(
        headings,
        vec![Some("操作场景".into()), Some("操作步骤".into())]
    );
    let steps = a.steps();
    let got: Vec<_> = steps
        .iter()
        .map(|s| (s.n, s.text.as_str(), s.menu_path.clone(), s.notes.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "登录云服务器。", vec![], vec![]),
            (
                2,
                "执行以下命令，查询支持的时区。\nls /usr/share/zoneinfo/",
                vec![],
                vec![]
            ),
            (
                3,
                "在“控制台 > 设置 > 时区”中选择新的时区。",
                vec!["控制台".to_string(), "设置".into(), "时区".into()],
                vec!["说明：修改后需要重启才能生效。".to_string()]
            ),
        ]
    );
}

#[test]
fn markdown_links_and_prose_references_resolve_to_ids() {
    let c = load("docset");
    let tz = find(&c, "sub/更改时区");
    assert_eq!(tz.links.len(), 1);
    assert_eq!(tz.links[0].id.as_deref(), Some("重置密码"));
    assert_eq!(tz.links[0].kind, LinkKind::Article);
    let sg = find(&c, "sub/配置安全组规则");
    let links: Vec<_> = sg
        .links
        .iter()
        .map(|l| (l.text.as_str(), l.id.as_deref(), l.url.as_deref(), l.kind))
        .collect();
    assert_eq!(
        links,
        vec![
            (
                "网络安全白皮书",
                None,
                Some("https://example.com/whitepaper"),
                LinkKind::External
            ),
            ("重置密码", Some("重置密码"), None, LinkKind::Article),
        ]
    );
    assert!(c.report.links.unresolved.is_empty(), "{:?}", c.report.links);
    assert_eq!(c.report.links.external, 1);
}

#[test]
fn crawl_lines_become_articles_with_topics_steps_and_partial_flags() {
    let c = load("crawl");
    let got: Vec<_> = c
        .articles
        .iter()
        .map(|a| (a.title.as_str(), a.topic.clone(), a.partial))
        .collect();
    assert_eq!(
        got,
        vec![
            ("如何申请测试额度?", vec!["测试额度".to_string()], false),
            ("如何查看测试额度?", vec!["测试额度".to_string()], false),
            ("额度管理员及其主管", vec![], true),
            ("如何关闭额度提醒?", vec![], true),
        ]
    );
    let skipped: Vec<_> = c
        .report
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (1, "site chrome"),
            (2, "site chrome"),
            (3, "navigation: titles without text"),
            (8, "topic index of 测试额度: titles without text"),
        ]
    );
    // Cut pages are named in the warnings.
    let partial: Vec<_> = c.report.warnings.iter().map(|w| w.line).collect();
    assert_eq!(partial, vec![Some(6), Some(7)]);
    assert!(
        !c.articles
            .iter()
            .any(|a| a.body_text().contains("不再显示"))
    );

    let view = &c.articles[1];
    assert_eq!(view.id, "help-crawl/如何查看测试额度");
    let steps: Vec<_> = view.steps().iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        steps,
        vec![
            "使用伙伴账号登录控制台。",
            "单击页面右上角的“伙伴中心”。",
            "在顶部导航栏中选择“销售 > 额度 > 额度管理”。"
        ]
    );
    assert_eq!(view.steps()[1].ui_labels, vec!["伙伴中心"]);
    assert_eq!(view.steps()[2].menu_path, vec!["销售", "额度", "额度管理"]);
    // "查看额度请参见如何申请测试额度" resolves by title (without its "?").
    assert_eq!(
        view.links[0].id.as_deref(),
        Some("help-crawl/如何申请测试额度")
    );
    let cut = &c.articles[2];
    assert_eq!(cut.steps()[1].menu_path, vec!["销售", "拓新", "客户拓展"]);
}

#[test]
fn every_bundled_procedure_exposes_its_steps_and_no_link_is_unresolved() {
    let c = corpus::load(&[repo().join("corpus")]).unwrap();
    assert!(
        c.report.links.unresolved.is_empty(),
        "{:?}",
        c.report.links.unresolved
    );
    for a in &c.articles {
        let source = std::fs::read_to_string(repo().join("corpus").join(&a.path)).unwrap();
        let numbered = source.lines().filter(|l| l.starts_with("1. ")).count();
        if source.contains("## 操作步骤") || numbered > 0 {
            assert!(
                !a.steps().is_empty(),
                "{} has a procedure but no steps",
                a.id
            );
            assert!(a.steps().iter().enumerate().all(|(i, s)| s.n == i + 1));
        }
        for l in &a.links {
            assert_eq!(l.kind, LinkKind::Article, "{}: {l:?}", a.id);
        }
    }
}

fn ids(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn offline_invitation_article_shows_its_steps_in_order() {
    let (status, a) = get(bundled(), "/api/articles/offline-customer-invitation").await;
    assert_eq!(status, StatusCode::OK);
    let ns: Vec<_> = a["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["n"].as_u64().unwrap())
        .collect();
    assert_eq!(ns, vec![1, 2, 3, 4, 5]);
    assert_eq!(
        a["steps"][2]["menu_path"],
        json!(["销售", "拓新", "客户拓展"])
    );
    assert_eq!(a["steps"][1]["ui_labels"], json!(["伙伴中心"]));
    assert!(!a["constraints"].as_array().unwrap().is_empty());
    assert_eq!(a["breadcrumb"], json!([{"name": "客户业务", "id": null}]));
    assert_eq!(a["partial"], false);
}

#[tokio::test]
async fn purchase_article_links_to_issuing_vouchers_which_shows_the_backlink() {
    let (_, purchase) = get(bundled(), "/api/articles/customer-purchase").await;
    let links = purchase["links"].as_array().unwrap();
    assert!(
        links
            .iter()
            .any(|l| l["id"] == "issue-vouchers-to-customers" && l["kind"] == "article"),
        "{links:?}"
    );
    let (_, issue) = get(bundled(), "/api/articles/issue-vouchers-to-customers").await;
    assert!(ids(&issue["backlinks"]).contains(&"customer-purchase"));
    assert_eq!(
        issue["prerequisites"],
        json!(["华为云总经销商已经为合作伙伴发放了代金券额度。"])
    );
}

#[tokio::test]
async fn steps_endpoint_returns_just_the_procedure() {
    let (status, s) = get(bundled(), "/api/articles/auto-incentive-toggle/steps").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["id"], "auto-incentive-toggle");
    assert_eq!(
        s["steps"][1]["menu_path"],
        json!(["销售", "激励", "激励管理"])
    );
    assert!(s.get("sections").is_none());
    let (status, body) = get(bundled(), "/api/articles/nope/steps").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "article_not_found");
}

#[tokio::test]
async fn hits_carry_step_counts_and_a_preview() {
    let (_, body) = search(bundled(), "客户拓展在哪", "").await;
    let first = &body["hits"][0];
    assert_eq!(first["id"], "offline-customer-invitation");
    assert_eq!(first["step_count"], 5);
    assert_eq!(first["steps_preview"].as_array().unwrap().len(), 3);
    let (_, body) = search(bundled(), "公司名称", "").await;
    let rename = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "rename-company")
        .unwrap();
    assert_eq!(rename["step_count"], 0);
    assert_eq!(rename["steps_preview"], json!([]));
}

#[tokio::test]
async fn console_paths_are_searchable() {
    let (_, body) = search(docset(), "控制台 设置 时区", "").await;
    assert_eq!(body["hits"][0]["id"], "sub/更改时区");
}
