//! Spanish and English: every page renders in both, and nothing a person reads bypasses
//! the catalog (a pseudo-locale makes every catalog text recognisable, so any other text
//! left on a page is one that did not come through it). The API's error messages follow
//! the request's language; their codes do not. The language switch is remembered.

use serde_json::{json, Value};

use app::users::Role;

use crate::helpers::{Backend, TestApp, APPROVED};
use crate::on_both_backends;

const PASSWORD: &str = "violet-tram-orbit-42";
/// The pseudo-locale of test builds (app's `pseudo-locale` feature).
const PSEUDO: &str = "en-XA";

/// Data the pages show as it was entered: never translated.
const VENUE: &str = "Palau Quimera";
const CITY: &str = "Girona";
const ADDRESS: &str = "Plaça Major 1";
const SECTION: &str = "Platea";
const TITLE: &str = "Nit Quimera";
const CATEGORY: &str = "concerts";

async fn signed_in(app: &TestApp, email: &str, name: &str, role: Role) -> (reqwest::Client, String) {
    crate::helpers::signed_in(app, email, name, PASSWORD, role).await
}

/// The page at `path` in the language `accept`, with its `<html lang>`.
async fn page(app: &TestApp, client: &reqwest::Client, path: &str, accept: &str) -> String {
    let res = client.get(app.url(path)).header("accept-language", accept).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path} in {accept}");
    assert_eq!(res.headers().get("content-language").and_then(|v| v.to_str().ok()), Some(accept), "{path}");
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("<html lang=\"{accept}\"")), "{path} in {accept}: the html element's lang");
    html
}

/// `html` without the elements whose content nobody reads as text.
fn without_elements(html: &str, tag: &str) -> String {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        out.push_str(&rest[..start]);
        match rest[start..].find(&close) {
            Some(end) => rest = &rest[start + end + close.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a person reads or hears on a page: its text, and the attributes that name or
/// describe things (aria-label, placeholder, title, alt).
fn readable(html: &str) -> String {
    // Code and preformatted blocks hold machine names and data (event types, payloads).
    let mut html = without_elements(&without_elements(&without_elements(&without_elements(html, "script"), "style"), "code"), "pre");
    while let Some(start) = html.find("<!--") {
        let end = html[start..].find("-->").map(|e| start + e + 3).unwrap_or(html.len());
        html.replace_range(start..end, "");
    }
    let mut out = String::new();
    for attr in ["aria-label=\"", "placeholder=\"", "title=\"", "alt=\""] {
        for piece in html.split(attr).skip(1) {
            out.push_str(piece.split('"').next().unwrap_or(""));
            out.push('\n');
        }
    }
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&nbsp;", " ")
}

/// Words of a pseudo-localised page that did not come through the catalog: the text left
/// once the catalog's texts (between ⟦ and ⟧) and the page's data are taken out.
fn untranslated(html: &str, data: &[&str]) -> Vec<String> {
    let mut text = readable(html);
    while let Some(start) = text.find('⟦') {
        let end = text[start..].find('⟧').map(|e| start + e + '⟧'.len_utf8()).unwrap_or(text.len());
        text.replace_range(start..end, " ");
    }
    let mut data: Vec<&str> = data.to_vec();
    data.sort_by_key(|d| std::cmp::Reverse(d.len()));
    for d in data {
        text = text.replace(d, " ");
    }
    text.split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|word| word.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2)
        // Ids and codes (UUIDs, hex) are not words.
        .filter(|word| !word.split('-').all(|part| part.len() >= 4 && part.chars().all(|c| c.is_ascii_hexdigit())))
        .map(str::to_owned)
        .collect()
}

async fn every_page_in_both_languages_and_nothing_outside_the_catalog(app: &TestApp) {
    let (organizer, olga) = signed_in(app, "olga@example.com", "Olga Quimera", Role::Organizer).await;
    let (customer, ana) = signed_in(app, "ana@example.com", "Ana Quimera", Role::Customer).await;
    let (admin, _) = signed_in(app, "root@example.com", "Root Quimera", Role::Admin).await;
    let http = reqwest::Client::new();
    let venue = json!({ "name": VENUE, "city": CITY, "address": ADDRESS, "sections": [{ "name": SECTION, "rows": 2, "seats_per_row": 4 }] });
    let event = json!({ "title": TITLE, "description": "Quimera quimera.", "category": CATEGORY });
    let event = crate::helpers::event_on_sale(&http, &app.api(""), &olga, venue, event, 6500).await;
    let id = event["id"].as_str().unwrap().to_owned();
    let slug = event["slug"].as_str().unwrap().to_owned();
    assert_eq!(event["time_zone"], "Europe/Madrid");

    let seats: Value = http.get(app.api(&format!("/events/{id}/seats"))).send().await.unwrap().json().await.unwrap();
    let seat = |i: usize| seats["items"][i]["id"].as_str().unwrap().to_owned();
    let bought: Value = app.hold(&ana, &id, &[seat(0)]).await.json().await.unwrap();
    let placed: Value = app.order(&ana, bought["id"].as_str().unwrap(), APPROVED, "i18n-1").await.json().await.unwrap();
    let order_id = placed["id"].as_str().unwrap().to_owned();
    let paid = app.wait_for_status(&ana, &order_id, "PAID").await;
    let ticket_id = paid["ticket_ids"][0].as_str().unwrap().to_owned();
    let (_, ticket) = app.get(&ana, &format!("/tickets/{ticket_id}")).await;
    let code = ticket["code"].as_str().unwrap().to_owned();
    let held: Value = app.hold(&ana, &id, &[seat(1)]).await.json().await.unwrap();
    let hold_id = held["id"].as_str().unwrap().to_owned();

    let anonymous = reqwest::Client::new();
    let pages: Vec<(&reqwest::Client, String)> = vec![
        (&anonymous, "/".into()),
        (&anonymous, "/events".into()),
        (&anonymous, format!("/events?q=zzz-nothing")),
        (&anonymous, format!("/events/{slug}")),
        (&anonymous, "/login".into()),
        (&anonymous, "/register".into()),
        (&anonymous, "/no-such-page".into()),
        (&customer, "/account".into()),
        (&customer, format!("/events/{slug}")),
        (&customer, format!("/checkout/{hold_id}")),
        (&customer, "/orders".into()),
        (&customer, format!("/orders/{order_id}")),
        (&customer, "/tickets".into()),
        (&customer, format!("/tickets/{ticket_id}")),
        (&customer, "/notifications".into()),
        (&customer, "/notifications?unread=1".into()),
        (&customer, "/notifications/settings".into()),
        (&admin, "/notifications/settings".into()),
        (&organizer, "/organizer".into()),
        (&organizer, "/organizer/venues".into()),
        (&organizer, "/organizer/new".into()),
        (&admin, "/admin/users".into()),
        (&admin, "/admin/events".into()),
        (&admin, "/admin/events?state=FAILED&consumer=notifier".into()),
    ];
    let data = [
        VENUE, CITY, ADDRESS, SECTION, TITLE, "Quimera quimera.", CATEGORY, "Concerts", "Olga Quimera", "Ana Quimera", "Root Quimera",
        "olga@example.com", "ana@example.com", "root@example.com", "Taquilla", "Español", "English", "Europe/Madrid",
        // The organizer's form suggests a category and offers currencies by their codes.
        "concert", "EUR", "USD", "GBP", "MXN", &code,
        // The event log names the consumers.
        "notifier", "mailer", "payment-processor", "assigner", "box-office", "ticket-issuer",
    ];
    let mut found = Vec::new();
    for (client, path) in &pages {
        let unknown = path == "/no-such-page";
        for accept in ["es", "en", PSEUDO] {
            let res = client.get(app.url(path)).header("accept-language", accept).send().await.unwrap();
            assert_eq!(res.status(), if unknown { 404 } else { 200 }, "{path} in {accept}");
            let html = res.text().await.unwrap();
            assert!(html.contains(&format!("<html lang=\"{accept}\"")), "{path} in {accept}: the html element's lang");
            if accept == PSEUDO {
                let words = untranslated(&html, &data);
                if !words.is_empty() {
                    found.push(format!("{path}: {words:?}"));
                }
            }
        }
    }
    assert!(found.is_empty(), "texts that did not come through the catalog:\n{}", found.join("\n"));

    // The same page differs by language where a person reads it.
    let es = page(app, &anonymous, &format!("/events/{slug}"), "es").await;
    let en = page(app, &anonymous, &format!("/events/{slug}"), "en").await;
    assert!(es.contains("65,00 €"), "Spanish money");
    assert!(en.contains("€65.00"), "English money");
}

async fn api_errors_speak_the_request_language_with_stable_codes(app: &TestApp) {
    let http = reqwest::Client::new();
    let ask = |accept: &'static str| {
        let http = http.clone();
        let url = app.api("/auth/login");
        async move {
            let res = http.post(url).header("accept-language", accept).json(&json!({ "email": "nobody@example.com", "password": "wrong-password-1" })).send().await.unwrap();
            assert_eq!(res.status(), 401);
            assert_eq!(res.headers().get("content-language").and_then(|v| v.to_str().ok()), Some(accept));
            res.json::<Value>().await.unwrap()
        }
    };
    let (es, en) = (ask("es").await, ask("en").await);
    assert_eq!(es["error"]["code"], "invalid_credentials");
    assert_eq!(en["error"]["code"], "invalid_credentials");
    assert_eq!(en["error"]["message"], "Email or password is incorrect.");
    assert_eq!(es["error"]["message"], "El correo o la contraseña no son correctos.");

    // Field errors: the field's message in `details`, in the request's language.
    let body = json!({ "email": "not-an-email", "display_name": "X", "password": "short" });
    let res = http.post(app.api("/auth/register")).header("accept-language", "es-ES,es;q=0.9").json(&body).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "validation_failed");
    assert_eq!(err["error"]["message"], "Algunos campos no son válidos.");
    let email = err["error"]["details"]["email"].as_str().unwrap();
    let res = http.post(app.api("/auth/register")).header("accept-language", "en").json(&body).send().await.unwrap();
    let err_en: Value = res.json().await.unwrap();
    assert_ne!(email, err_en["error"]["details"]["email"].as_str().unwrap(), "the field's message is translated");
}

async fn the_language_switch_is_remembered_in_a_cookie_and_the_profile(app: &TestApp) {
    // A visitor: a cookie, and back to the page they were on.
    let visitor = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = visitor.post(app.url("/language")).form(&[("lang", "es"), ("back", "/events?q=jazz")]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/events?q=jazz");
    assert!(res.headers()["set-cookie"].to_str().unwrap().starts_with("taquilla_lang=es;"));
    let html = visitor.get(app.url("/events")).header("accept-language", "en").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"es\""), "the cookie wins over the browser's language");

    // The switch works before the page is interactive: the server writes where it leads back.
    let html = visitor.get(app.url("/events?q=jazz")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"name="back" value="/events?q=jazz""#), "the switch's way back is in the page");

    // Somewhere else, or a language we do not speak: refused or sent home.
    let res = visitor.post(app.url("/language")).form(&[("lang", "es"), ("back", "//evil.example/")]).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/");
    let res = visitor.post(app.url("/language")).form(&[("lang", "tlh"), ("back", "/")]).send().await.unwrap();
    assert_eq!(res.status(), 422);

    // A user: the profile remembers it, and signing in elsewhere brings it back.
    let (user, _) = signed_in(app, "lola@example.com", "Lola", Role::Customer).await;
    let res = user.post(app.url("/language")).form(&[("lang", "en"), ("back", "/account")]).send().await.unwrap();
    assert!(res.status().is_redirection() || res.status() == 200, "{}", res.status());
    let elsewhere = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let res = elsewhere.post(app.api("/auth/login")).json(&json!({ "email": "lola@example.com", "password": PASSWORD })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cookies: Vec<&str> = res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("taquilla_lang=en;")), "{cookies:?}");
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["user"]["locale"], "en");
    let html = elsewhere.get(app.url("/account")).header("accept-language", "es").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"en\""));
}

async fn the_house_default_is_spanish(app: &TestApp) {
    let html = reqwest::get(app.url("/")).await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"es\""), "no Accept-Language: the house's language");
    let res = reqwest::Client::new().get(app.url("/")).header("accept-language", "fr-FR,de;q=0.8").send().await.unwrap();
    assert!(res.text().await.unwrap().contains("<html lang=\"es\""), "languages we do not speak: the house's");
    for lang in ["es", "en"] {
        let manifest: Value = reqwest::get(app.url(&format!("/manifest.webmanifest?lang={lang}"))).await.unwrap().json().await.unwrap();
        assert_eq!(manifest["lang"], lang);
        assert_eq!(manifest["name"], "Taquilla");
    }
}

async fn venues_keep_their_time_zone_and_refuse_unknown_ones(app: &TestApp) {
    let (http, token) = signed_in(app, "zoe@example.com", "Zoe", Role::Organizer).await;
    let sections = json!([{ "name": "A", "rows": 1, "seats_per_row": 2 }]);
    let res = http.post(app.api("/venues")).bearer_auth(&token).json(&json!({ "name": "Sala", "city": "Tenerife", "time_zone": "Atlantic/Canary", "sections": sections })).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let venue: Value = res.json().await.unwrap();
    assert_eq!(venue["time_zone"], "Atlantic/Canary");
    let res = http.post(app.api("/venues")).bearer_auth(&token).json(&json!({ "name": "Sala", "city": "X", "time_zone": "Mars/Olympus", "sections": sections })).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert!(err["error"]["details"]["time_zone"].is_string());

    // An event at 20:00 in the Canaries in December is 20:00 UTC; in Madrid it is 19:00 UTC.
    let body = json!({ "title": "Canarias", "category": "concerts", "venue_id": venue["id"], "starts_at": "2031-12-05T20:00:00Z",
        "ends_at": "2031-12-05T22:00:00Z", "prices": [{ "section_id": venue["sections"][0]["id"], "price_cents": 1000 }] });
    let res = http.post(app.api("/events")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let event: Value = res.json().await.unwrap();
    assert_eq!(event["time_zone"], "Atlantic/Canary");
    assert_eq!(event["starts_at"], "2031-12-05T20:00:00Z");
    assert_eq!(event["starts_at_local"], "2031-12-05T20:00:00Z");
}

on_both_backends!(
    every_page_in_both_languages_and_nothing_outside_the_catalog,
    api_errors_speak_the_request_language_with_stable_codes,
    the_language_switch_is_remembered_in_a_cookie_and_the_profile,
    venues_keep_their_time_zone_and_refuse_unknown_ones,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_house_default_is_spanish_sqlite() {
    let app = TestApp::spawn_configured(Backend::Sqlite, false, |c| c.default_locale = "es".into()).await.unwrap();
    the_house_default_is_spanish(&app).await;
    app.cleanup().await;
}

#[test]
fn the_untranslated_words_finder_sees_what_it_should() {
    let page = r#"<html><head><script>var english = 1;</script></head><body><p>⟦Éṽéñţš⟧ Nit Quimera</p>
        <button aria-label="Close it">⟦×⟧</button><span>3f2a9b1c-0000-4000-8000-00000000abcd</span><!-- note --></body></html>"#;
    assert_eq!(untranslated(page, &["Nit Quimera"]), vec!["Close", "it"]);
    assert!(untranslated("<p>⟦Ōķ⟧ 12:00 €65.00</p>", &[]).is_empty());
}
