//! Demo data for the embedded mode: venues in four cities, two dozen upcoming events in
//! seven categories, and demo accounts whose random passwords are printed once.

use anyhow::Context;
use rand::Rng;
use sqlx::Row;
use time::{Duration, OffsetDateTime, Time};

use app::catalog::manage::{create_event, create_venue, NewEvent, NewSection, NewVenue};
use app::catalog::EventStatus;
use app::state::AppState;
use app::users::service::{insert_user, NewUser};
use app::users::Role;

/// A demo account and its password, to print once.
pub struct DemoAccount {
    pub email: String,
    pub role: Role,
    pub password: String,
}

fn section(name: &str, rows: u32, seats_per_row: u32) -> NewSection {
    NewSection { name: name.into(), rows, seats_per_row }
}

/// Every demo venue is on the mainland.
const MADRID: &str = "Europe/Madrid";

fn venues() -> Vec<NewVenue> {
    vec![
        NewVenue {
            name: "Palacio de la Música".into(),
            city: "Madrid".into(),
            address: "Gran Vía 35".into(),
            time_zone: MADRID.into(),
            sections: vec![section("Stalls", 14, 24), section("Mezzanine", 6, 22), section("Upper Circle", 4, 20)],
        },
        NewVenue {
            name: "Sala Apolo".into(),
            city: "Barcelona".into(),
            address: "Carrer Nou de la Rambla 113".into(),
            time_zone: MADRID.into(),
            sections: vec![section("Floor", 10, 16), section("Balcony", 4, 14)],
        },
        NewVenue {
            name: "Teatro Lope de Vega".into(),
            city: "Sevilla".into(),
            address: "Avenida María Luisa s/n".into(),
            time_zone: MADRID.into(),
            sections: vec![section("Patio", 10, 14), section("Anfiteatro", 4, 12)],
        },
        NewVenue {
            name: "Auditorio del Puerto".into(),
            city: "Valencia".into(),
            address: "Moll de la Duana 1".into(),
            time_zone: MADRID.into(),
            sections: vec![section("Main Floor", 12, 18), section("Terrace", 3, 16)],
        },
    ]
}

/// (title, category, venue index, days from now, featured, description)
const EVENTS: &[(&str, &str, usize, i64, bool, &str)] = &[
    ("Rosalía Tribute Night", "concerts", 0, 5, true, "A full band and six dancers revisit the flamenco-pop songbook, from the first album to the latest hits."),
    ("Madrid Symphony: Mahler 5", "concerts", 0, 12, false, "The orchestra's season opener: Mahler's Fifth, with its famous Adagietto, under guest conductor Elena Ruiz."),
    ("Indie Rooftop Sessions", "concerts", 1, 9, false, "Three rising indie bands from Barcelona on one bill. Doors at 19:30."),
    ("Jazz a la Fresca", "concerts", 3, 17, false, "An evening of standards and new compositions by the Port Jazz Quartet with special guests."),
    ("Electro Swing Ball", "concerts", 1, 30, true, "Dress up in your finest 1920s outfit and dance to live brass over vintage beats."),
    ("La Casa de Bernarda Alba", "theatre", 2, 7, true, "Lorca's final play in a bold new staging by the Compañía del Sur. In Spanish with English surtitles."),
    ("Hamlet (in English)", "theatre", 0, 21, false, "A touring company's stripped-back Hamlet, two hours without interval."),
    ("Don Juan Tenorio", "theatre", 2, 40, false, "Zorrilla's classic, performed by candlelight."),
    ("The Improvised Musical", "theatre", 1, 14, false, "The audience chooses the title; the cast makes up the songs on the spot."),
    ("Derbi Basket: Valencia vs Madrid", "sports", 3, 10, false, "League basketball at its fiercest. Courtside seats on the Main Floor."),
    ("Padel Masters Final", "sports", 3, 26, true, "The top four pairs of the season play for the Masters trophy."),
    ("Futsal Cup Semifinal", "sports", 3, 45, false, "Fast, technical and loud: the cup semifinal comes to Valencia."),
    ("Stand-up: Noche de Risas", "comedy", 1, 4, false, "Five comics, ten minutes each, no mercy."),
    ("Comedy in English Madrid", "comedy", 0, 16, false, "International comedians perform in English for expats and locals alike."),
    ("The Late Laugh", "comedy", 2, 33, false, "Late-night sketch comedy with a live band."),
    ("Festival de Primavera: Day 1", "festivals", 3, 60, false, "Day one of the spring festival: eight bands across the afternoon and evening."),
    ("Festival de Primavera: Day 2", "festivals", 3, 61, false, "Day two: headliners and the closing fireworks."),
    ("Flamenco Festival Gala", "festivals", 2, 50, true, "The festival's gala night with dancers from Sevilla, Jerez and Granada."),
    ("The Little Prince (family)", "family", 0, 8, false, "A musical adaptation for ages 5 and up. 75 minutes."),
    ("Circus of Wonders", "family", 3, 19, false, "Acrobats, clowns and jugglers; no animals."),
    ("Puppets of the World", "family", 2, 27, false, "Puppet theatre from four continents, one story each."),
    ("Swan Lake", "dance", 0, 35, false, "The national ballet's Swan Lake, with live orchestra."),
    ("Contemporary Dance Lab", "dance", 1, 23, false, "Four short new works from young choreographers."),
    ("Tango Argentino", "dance", 2, 13, false, "A night in Buenos Aires: tango dancers and a live quintet."),
    ("Opera Gala: Verdi & Puccini", "opera", 0, 42, false, "Arias and duets from La Traviata, Rigoletto, Tosca and La Bohème."),
    ("Carmen", "opera", 2, 55, false, "Bizet's Carmen returns home to Sevilla in a production full of colour."),
];

/// Section prices per venue, in cents (front to back).
const PRICES: &[&[i64]] = &[&[6500, 4500, 2500], &[3500, 2800], &[4800, 2900], &[5500, 3200]];

fn random_password() -> String {
    const WORDS: &[&str] = &[
        "amber", "bolero", "cobalt", "delta", "ember", "fiesta", "granada", "harbor", "indigo", "jazz", "kiwi", "lumen",
        "mango", "nova", "opal", "palma", "quartz", "rumba", "salsa", "tango", "umbra", "velvet", "willow", "zephyr",
    ];
    let mut rng = rand::thread_rng();
    let words: Vec<&str> = (0..3).map(|_| WORDS[rng.gen_range(0..WORDS.len())]).collect();
    format!("{}-{}", words.join("-"), rng.gen_range(10..100))
}

fn demo_support_tickets() -> Vec<app::support::NewSupportTicket> {
    use app::support::{Category, NewSupportTicket};
    vec![
        NewSupportTicket {
            title: "Charged twice for one order".into(),
            description: "My bank shows two charges for the same tickets. Can you check and refund one?".into(),
            category: Category::Payments,
            order_id: None,
            phone: None,
            client_id: Some("demo-1".into()),
            attachments: Vec::new(),
        },
        NewSupportTicket {
            title: "Wheelchair space".into(),
            description: "I use a wheelchair and would like a space with a companion seat next to it.".into(),
            category: Category::Accessibility,
            order_id: None,
            phone: Some("+34 600 000 000".into()),
            client_id: Some("demo-2".into()),
            attachments: Vec::new(),
        },
    ]
}

/// Seeds what is missing: the catalog when there are no venues, the demo accounts when
/// there are no users. Returns the accounts created, if any.
pub async fn seed_demo(state: &AppState) -> anyhow::Result<Option<Vec<DemoAccount>>> {
    let db = &state.db;
    let users: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(&db.pool).await?.try_get("n")?;
    let venues_count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM venues").fetch_one(&db.pool).await?.try_get("n")?;

    let mut accounts = None;
    let mut organizer_id = None;
    let mut asker = None;
    if users == 0 {
        let specs: &[(&str, &str, Role, &[&str])] = &[
            ("admin@taquilla.test", "Alex Admin", Role::Admin, &[]),
            ("organizer@taquilla.test", "Olga Organizer", Role::Organizer, &[]),
            ("ana.agent@taquilla.test", "Ana Agent", Role::Agent, &["payments", "tickets"]),
            ("ben.agent@taquilla.test", "Ben Agent", Role::Agent, &["tickets", "events", "accessibility"]),
            ("carla.agent@taquilla.test", "Carla Agent", Role::Agent, &["payments", "account", "events", "other"]),
            ("maria@taquilla.test", "María García", Role::Customer, &[]),
            ("jon@taquilla.test", "Jon Smith", Role::Customer, &[]),
        ];
        let mut created = Vec::new();
        for (email, name, role, skills) in specs {
            let password = random_password();
            let hash = state.accounts.hasher.hash(&password).await?;
            let new = NewUser {
                email: email.to_string(),
                display_name: name.to_string(),
                password: password.clone(),
                role: *role,
                skills: skills.iter().map(|s| s.to_string()).collect(),
            };
            let user = insert_user(db, &new, &hash).await.with_context(|| format!("creating {email}"))?;
            if *role == Role::Organizer {
                organizer_id = Some(user.id.to_string());
            }
            if *email == "maria@taquilla.test" {
                asker = Some(user.clone());
            }
            created.push(DemoAccount { email: email.to_string(), role: *role, password });
        }
        db.wake_relay();
        accounts = Some(created);
    }
    // Two support tickets, so that the desk has something to show; the assigner gives
    // them to the demo agents.
    if let Some(maria) = asker {
        for new in demo_support_tickets() {
            app::support::service::create(db, &state.data_keys, &maria, &new).await.map_err(|e| anyhow::anyhow!("a demo support ticket: {e}"))?;
        }
    }

    if venues_count == 0 {
        let created: Vec<_> = {
            let mut v = Vec::new();
            for venue in venues() {
                v.push(create_venue(db, &venue, None).await.with_context(|| format!("creating venue {}", venue.name))?);
            }
            v
        };
        let today = OffsetDateTime::now_utc().date();
        let madrid = app::catalog::zone::zone(MADRID).context("the time zone Europe/Madrid")?;
        for (i, (title, category, venue, days, featured, description)) in EVENTS.iter().enumerate() {
            // 19:00, 20:00 or 21:00 at the venue, never in a daylight-saving change.
            let local = (today + Duration::days(*days)).with_time(Time::from_hms(19 + (i % 3) as u8, 0, 0)?);
            let starts_at = app::catalog::zone::instant_of(local, &madrid).unwrap_or_else(|_| local.assume_utc());
            let prices = created[*venue].section_ids.iter().cloned().zip(PRICES[*venue].iter().copied()).collect();
            let event = NewEvent {
                max_seats_per_buyer: app::catalog::rules::DEFAULT_SEATS_PER_BUYER,
                title: title.to_string(),
                description: description.to_string(),
                category: category.to_string(),
                venue_id: created[*venue].id.clone(),
                organizer_id: organizer_id.clone(),
                starts_at,
                ends_at: starts_at + Duration::minutes(150),
                image_url: None,
                status: EventStatus::OnSale,
                featured: *featured,
                currency: "EUR".into(),
                prices,
            };
            create_event(db, &event).await.with_context(|| format!("creating event {title}"))?;
        }
        tracing::info!(venues = created.len(), events = EVENTS.len(), "demo catalog seeded");
    }
    Ok(accounts)
}

/// Prints the demo accounts once, on standard output (never into the logs).
pub fn print_accounts(accounts: &[DemoAccount]) {
    println!();
    println!("  Taquilla demo accounts (shown once; passwords are not stored anywhere else):");
    for a in accounts {
        println!("    {:<10} {:<28} {}", a.role.as_str(), a.email, a.password);
    }
    println!();
}
