//! Who is asking: the client address, believing `X-Forwarded-For` only from trusted
//! proxies; which origin a request comes from; which answers no cache may keep.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::HeaderMap;

/// CIDR ranges whose `X-Forwarded-For` header is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

impl TrustedProxies {
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<ipnet::IpNet>() {
                Ok(net) => net,
                Err(_) => item
                    .parse::<IpAddr>()
                    .map(ipnet::IpNet::from)
                    .map_err(|_| format!("not a CIDR or address: {item}"))?,
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client address: the peer, or — when the peer is a trusted proxy — the right-most
    /// address in `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter_map(|s| s.parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !self.trusts(*ip))
            .unwrap_or(peer)
    }
}

/// The origin (`scheme://host[:port]`) of an http(s) URL, as a browser's `Origin` header
/// writes it: lower case, without the scheme's default port, path or trailing slash.
/// `None` for anything else (`null`, other schemes, no host).
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') || authority.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    if authority.is_empty() || authority.starts_with(':') {
        return None;
    }
    Some(format!("{scheme}://{authority}"))
}

/// Whether an `Origin` header names one of the site's own origins: the same scheme, host
/// and port, not only the same host.
pub fn is_own_origin(origin: &str, own: &[Option<String>]) -> bool {
    match origin_of(origin) {
        Some(origin) => own.iter().flatten().any(|o| *o == origin),
        None => false,
    }
}

/// The pages rendered for one person whatever the cookie says (their account, orders,
/// tickets, checkout, the organizer's and the administrator's desks), by path.
pub const PERSONAL_PAGES: [&str; 6] = ["/account", "/orders", "/tickets", "/checkout", "/organizer", "/admin"];

/// Whether an answer must never be kept by a browser, a proxy or the service worker
/// (`Cache-Control: no-store`): every answer under `/api/` (the REST API and the server
/// functions), every personal page, and every HTML page rendered for a signed-in request
/// (its header shows who is signed in). Public pages for anonymous visitors may be kept.
pub fn must_not_store(path: &str, signed_in: bool, is_html: bool) -> bool {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    under("/api") || PERSONAL_PAGES.iter().any(|p| under(p)) || (signed_in && is_html)
}

/// The peer address recorded by axum's `into_make_service_with_connect_info`.
pub fn peer_ip(extensions: &http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn ignores_forwarded_for_from_untrusted_peers() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(proxies.client_ip(peer, &headers("1.2.3.4")), peer);
    }

    #[test]
    fn believes_forwarded_for_from_trusted_proxies() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        let peer: IpAddr = "10.1.2.3".parse().unwrap();
        let client: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(proxies.client_ip(peer, &headers("6.6.6.6, 198.51.100.7, 10.0.0.5")), client);
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(origin_of("http://127.0.0.1:3900/").as_deref(), Some("http://127.0.0.1:3900"));
        assert_eq!(origin_of("HTTPS://Tickets.Example.com:443/path?q").as_deref(), Some("https://tickets.example.com"));
        assert_eq!(origin_of("http://example.com:80").as_deref(), Some("http://example.com"));
        assert_eq!(origin_of("http://[::1]:3000").as_deref(), Some("http://[::1]:3000"));
        for bad in ["null", "", "file:///etc", "http://", "http://user@evil.example", "javascript:alert(1)"] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
        let own = [origin_of("http://127.0.0.1:3900"), None];
        assert!(is_own_origin("http://127.0.0.1:3900", &own));
        assert!(!is_own_origin("https://127.0.0.1:3900", &own), "another scheme is another origin");
        assert!(!is_own_origin("http://127.0.0.1:3901", &own), "another port");
        assert!(!is_own_origin("http://127.0.0.1.evil.example:3900", &own));
        assert!(!is_own_origin("null", &own));
    }

    #[test]
    fn personal_answers_are_not_stored() {
        assert!(must_not_store("/api/v1/events", false, false));
        assert!(must_not_store("/api/catalog_list", false, false));
        assert!(must_not_store("/tickets/abc", false, true));
        assert!(must_not_store("/organizer", false, true));
        assert!(must_not_store("/events", true, true), "a public page rendered for a signed-in visitor");
        assert!(!must_not_store("/events", false, true));
        assert!(!must_not_store("/", false, true));
        assert!(!must_not_store("/icons/icon.svg", true, false));
        assert!(!must_not_store("/administrivia", false, true));
    }

    #[test]
    fn rejects_garbage_proxy_lists() {
        assert!(TrustedProxies::parse("not-a-net").is_err());
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
    }
}
