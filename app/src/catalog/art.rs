//! Generated artwork for events without an image: a gradient and a glyph chosen from
//! the event's id and category, so every card looks distinct and nothing is downloaded.

use leptos::prelude::*;

use crate::catalog::EventSummary;

const PALETTES: [(&str, &str); 8] = [
    ("#7c3aed", "#db2777"),
    ("#2563eb", "#06b6d4"),
    ("#ea580c", "#facc15"),
    ("#059669", "#84cc16"),
    ("#be123c", "#f97316"),
    ("#4f46e5", "#a855f7"),
    ("#0f766e", "#22d3ee"),
    ("#9333ea", "#f43f5e"),
];

fn glyph(category: &str) -> &'static str {
    match category.to_ascii_lowercase().as_str() {
        "concerts" | "music" | "concert" => "♫",
        "theatre" | "theater" => "❖",
        "sports" | "sport" => "◎",
        "comedy" => "☺",
        "festivals" | "festival" => "✺",
        "family" => "★",
        "dance" => "✦",
        "opera" | "classical" => "𝄞",
        _ => "✷",
    }
}

#[component]
pub fn EventArt(event: EventSummary) -> impl IntoView {
    if let Some(url) = event.image_url.clone() {
        return view! { <img class="event-art" src=url alt="" loading="lazy"/> }.into_any();
    }
    let seed = event.id.as_bytes().iter().fold(0usize, |acc, b| acc.wrapping_mul(31).wrapping_add(*b as usize));
    let (a, b) = PALETTES[seed % PALETTES.len()];
    let gradient_id = format!("g-{}", event.id.simple());
    let fill = format!("url(#{gradient_id})");
    let angle = (seed / 7 % 60) as i64;
    view! {
        <svg class="event-art" viewBox="0 0 320 180" role="presentation" aria-hidden="true" preserveAspectRatio="xMidYMid slice">
            <defs>
                <linearGradient id=gradient_id x1="0" y1="0" x2="1" y2="1">
                    <stop offset="0" stop-color=a/>
                    <stop offset="1" stop-color=b/>
                </linearGradient>
            </defs>
            <rect width="320" height="180" fill=fill/>
            <circle cx=200 + angle cy="40" r="90" fill="#ffffff" opacity="0.08"/>
            <circle cx="40" cy=150 - angle r="70" fill="#000000" opacity="0.08"/>
            <text x="160" y="112" text-anchor="middle" font-size="64" fill="#ffffff" opacity="0.92">{glyph(&event.category)}</text>
        </svg>
    }
    .into_any()
}
