//! The SSRF guard: which webhook URLs may be subscribed to and which addresses a delivery may
//! connect to (ARCHITECTURE.md invariant 20).
//!
//! Two layers, both always applied:
//!
//! - [`check_url`] at subscription time (create, PATCH of `url`): the URL's form
//!   ([`check_syntax`]: `https://` unless private URLs are allowed, no userinfo, a host, at most
//!   [`MAX_URL_CHARS`] characters, no fragment), then every address its host resolves to
//!   ([`check_address`]).
//! - [`GuardedResolver`] at connect time: the delivery's HTTP connector resolves names through
//!   it, and it drops every address [`check_address`] refuses, so a name that resolved to a
//!   public address when subscribed and to an internal one later (DNS rebinding) reaches
//!   nothing. Literal IP hosts skip resolvers, so the delivery checks them itself
//!   ([`check_literal_host`]) before connecting.
//!
//! Loopback and private addresses (and `http://`) are accepted only when
//! `WEBHOOK_ALLOW_PRIVATE_URLS` is on (always in simulator mode), for local development.
//! Cloud metadata addresses, link-local, unspecified, broadcast, multicast, documentation and
//! other reserved ranges are refused always, as are IPv4-mapped, IPv4-compatible, NAT64 and 6to4
//! IPv6 forms of any refused IPv4 address.
//!
//! It never follows redirects (the delivery's client has none) and never logs a URL's query.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;

/// The longest webhook URL (the `CHECK` on `webhook_subscriptions.url`).
pub const MAX_URL_CHARS: usize = 2048;

/// How long subscription-time resolution may take before the host counts as unresolvable.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Host names refused whatever they resolve to (cloud metadata services).
const METADATA_HOSTS: [&str; 4] = ["metadata.google.internal", "metadata.goog", "metadata", "instance-data"];

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRule {
    /// A cloud metadata service (169.254.169.254, fd00:ec2::254, 100.100.100.200, …): never.
    Metadata,
    /// 127/8, ::1.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7.
    Private,
    /// 169.254/16, fe80::/10: never.
    LinkLocal,
    /// 0.0.0.0, 0/8, ::: never.
    Unspecified,
    /// 255.255.255.255: never.
    Broadcast,
    /// 224/4, ff00::/8: never.
    Multicast,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32: never.
    Documentation,
    /// Other special-purpose ranges (240/4, 192.0.0/24, 198.18/15, 100::/64 discard, …): never.
    Reserved,
}

impl AddressRule {
    /// Whether `WEBHOOK_ALLOW_PRIVATE_URLS` lifts this rule.
    pub const fn lifted_by_allow_private(self) -> bool {
        matches!(self, AddressRule::Loopback | AddressRule::Private)
    }

    /// The rule as a problem names it.
    pub const fn describe(self) -> &'static str {
        match self {
            AddressRule::Metadata => "a cloud metadata address is never allowed",
            AddressRule::Loopback => "loopback addresses are not allowed",
            AddressRule::Private => "private network addresses are not allowed",
            AddressRule::LinkLocal => "link-local addresses are not allowed",
            AddressRule::Unspecified => "the unspecified address is not allowed",
            AddressRule::Broadcast => "the broadcast address is not allowed",
            AddressRule::Multicast => "multicast addresses are not allowed",
            AddressRule::Documentation => "documentation addresses are not allowed",
            AddressRule::Reserved => "reserved special-purpose addresses are not allowed",
        }
    }
}

/// Why a URL is refused; [`Refusal::message`] is what the problem says about `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a URL at all.
    Malformed,
    /// Longer than [`MAX_URL_CHARS`].
    TooLong,
    /// Not `https://` (or `http://` where private URLs are allowed).
    Scheme,
    /// `user:password@` in the URL.
    Userinfo,
    /// No host.
    Host,
    /// A `#fragment`.
    Fragment,
    /// The host resolves to (or is) an address a rule refuses.
    Address(AddressRule),
    /// The host does not resolve.
    Unresolvable,
}

impl Refusal {
    pub fn message(&self, allow_private: bool) -> String {
        match self {
            Refusal::Malformed => "must be an absolute URL".into(),
            Refusal::TooLong => format!("must be at most {MAX_URL_CHARS} characters"),
            Refusal::Scheme if allow_private => "must be an http:// or https:// URL".into(),
            Refusal::Scheme => "must be an https:// URL".into(),
            Refusal::Userinfo => "must not contain a user name or password".into(),
            Refusal::Host => "must name a host".into(),
            Refusal::Fragment => "must not contain a #fragment".into(),
            Refusal::Address(rule) => format!("resolves to a refused address: {}", rule.describe()),
            Refusal::Unresolvable => "the host does not resolve to any address".into(),
        }
    }
}

/// What rule, if any, refuses `ip` (before `WEBHOOK_ALLOW_PRIVATE_URLS` is considered).
pub fn classify(ip: IpAddr) -> Option<AddressRule> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// Whether a delivery may connect to `ip`: `Err` with the rule that refuses it.
pub fn check_address(ip: IpAddr, allow_private: bool) -> Result<(), AddressRule> {
    match classify(ip) {
        None => Ok(()),
        Some(rule) if allow_private && rule.lifted_by_allow_private() => Ok(()),
        Some(rule) => Err(rule),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressRule> {
    let [a, b, c, d] = ip.octets();
    if matches!(
        (a, b, c, d),
        (169, 254, 169, 254) | (169, 254, 170, 2) | (169, 254, 169, 123) | (100, 100, 100, 200) | (168, 63, 129, 16)
    ) {
        return Some(AddressRule::Metadata);
    }
    let rule = match (a, b, c) {
        (0, _, _) => AddressRule::Unspecified,
        (127, _, _) => AddressRule::Loopback,
        (10, _, _) => AddressRule::Private,
        (172, 16..=31, _) => AddressRule::Private,
        (192, 168, _) => AddressRule::Private,
        (100, 64..=127, _) => AddressRule::Private,
        (169, 254, _) => AddressRule::LinkLocal,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => AddressRule::Documentation,
        (192, 0, 0) | (198, 18..=19, _) => AddressRule::Reserved,
        (224..=239, _, _) => AddressRule::Multicast,
        (255, 255, 255) if d == 255 => AddressRule::Broadcast,
        (240..=255, _, _) => AddressRule::Reserved,
        _ => return None,
    };
    Some(rule)
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressRule> {
    let segments = ip.segments();
    if segments == [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254] {
        return Some(AddressRule::Metadata);
    }
    if ip.is_unspecified() {
        return Some(AddressRule::Unspecified);
    }
    if ip.is_loopback() {
        return Some(AddressRule::Loopback);
    }
    // IPv4 inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96)
    // and 6to4 (2002:AABB:CCDD::/48) are judged by their IPv4 address.
    if let Some(v4) = embedded_v4(&segments) {
        // A public IPv4 inside: the IPv6 form is as good as the address itself.
        return classify_v4(v4);
    }
    let first = segments[0];
    let rule = match first {
        0xfc00..=0xfdff => AddressRule::Private,
        0xfe80..=0xfebf => AddressRule::LinkLocal,
        // Site-local (deprecated, fec0::/10): private in effect.
        0xfec0..=0xfeff => AddressRule::Private,
        0xff00..=0xffff => AddressRule::Multicast,
        0x2001 if segments[1] == 0x0db8 => AddressRule::Documentation,
        0x3fff if segments[1] <= 0x0fff => AddressRule::Documentation,
        // 100::/64 discard-only; 2001::/23 IETF protocol assignments (Teredo, ORCHID, …).
        0x0100 if segments[1..4] == [0, 0, 0] => AddressRule::Reserved,
        0x2001 if segments[1] < 0x0200 => AddressRule::Reserved,
        // Nothing outside 2000::/3 is global unicast.
        _ if !(0x2000..=0x3fff).contains(&first) => AddressRule::Reserved,
        _ => return None,
    };
    Some(rule)
}

fn embedded_v4(segments: &[u16; 8]) -> Option<Ipv4Addr> {
    let from = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    match segments {
        [0, 0, 0, 0, 0, 0xffff, high, low] => Some(from(*high, *low)),
        [0, 0, 0, 0, 0, 0, high, low] => Some(from(*high, *low)),
        [0x0064, 0xff9b, 0, 0, 0, 0, high, low] => Some(from(*high, *low)),
        [0x2002, high, low, ..] => Some(from(*high, *low)),
        _ => None,
    }
}

/// The URL's form: `Ok` with the parsed URL, or the first rule it breaks. Resolves nothing.
pub fn check_syntax(text: &str, allow_private: bool) -> Result<url::Url, Refusal> {
    if text.chars().count() > MAX_URL_CHARS {
        return Err(Refusal::TooLong);
    }
    let url = url::Url::parse(text).map_err(|_| Refusal::Malformed)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(Refusal::Scheme),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Userinfo);
    }
    if url.fragment().is_some() {
        return Err(Refusal::Fragment);
    }
    match url.host() {
        None => Err(Refusal::Host),
        Some(url::Host::Domain("")) => Err(Refusal::Host),
        Some(_) => Ok(url),
    }
}

/// A URL host that is an IP literal, checked; `Ok(None)` for a name (the resolver checks it).
pub fn check_literal_host(host: &str, allow_private: bool) -> Result<Option<IpAddr>, AddressRule> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => check_address(ip, allow_private).map(|()| Some(ip)),
        Err(_) => Ok(None),
    }
}

fn metadata_host(domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    METADATA_HOSTS.contains(&domain.as_str())
}

/// [`check_syntax`], then every address the host resolves to (tokio's resolver) must pass
/// [`check_address`]: one refused address refuses the URL.
pub async fn check_url(text: &str, allow_private: bool) -> Result<url::Url, Refusal> {
    let url = check_syntax(text, allow_private)?;
    let port = url.port_or_known_default().unwrap_or(443);
    match url.host() {
        Some(url::Host::Ipv4(ip)) => check_address(IpAddr::V4(ip), allow_private).map_err(Refusal::Address)?,
        Some(url::Host::Ipv6(ip)) => check_address(IpAddr::V6(ip), allow_private).map_err(Refusal::Address)?,
        Some(url::Host::Domain(domain)) => {
            if metadata_host(domain) {
                return Err(Refusal::Address(AddressRule::Metadata));
            }
            let lookup = tokio::net::lookup_host((domain, port));
            let addresses: Vec<SocketAddr> = tokio::time::timeout(RESOLVE_TIMEOUT, lookup)
                .await
                .map_err(|_| Refusal::Unresolvable)?
                .map_err(|_| Refusal::Unresolvable)?
                .collect();
            if addresses.is_empty() {
                return Err(Refusal::Unresolvable);
            }
            for address in addresses {
                check_address(address.ip(), allow_private).map_err(Refusal::Address)?;
            }
        }
        None => return Err(Refusal::Host),
    }
    Ok(url)
}

/// The delivery connector's resolver: tokio's, minus every address [`check_address`] refuses.
/// A name left with no address fails to resolve ("refused by the SSRF guard"), so the
/// connection is never attempted.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

/// The guarded resolver's failure.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("the host does not resolve: {0}")]
    Lookup(std::io::Error),
    #[error("every address of the host is refused by the SSRF guard ({})", .0.describe())]
    Refused(AddressRule),
}

impl tower::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = ResolveError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            if metadata_host(&host) {
                return Err(ResolveError::Refused(AddressRule::Metadata));
            }
            let resolved = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(ResolveError::Lookup)?;
            let mut kept = Vec::new();
            let mut refused = None;
            for address in resolved {
                match check_address(address.ip(), allow_private) {
                    Ok(()) => kept.push(address),
                    Err(rule) => refused = Some(rule),
                }
            }
            match (kept.is_empty(), refused) {
                (true, Some(rule)) => Err(ResolveError::Refused(rule)),
                (true, None) => Err(ResolveError::Lookup(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no address",
                ))),
                (false, _) => Ok(kept.into_iter()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> Option<AddressRule> {
        classify(text.parse().unwrap())
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "200.45.10.3",
            "2800:3f0:4002:80a::200e",
            "2606:4700::1111",
        ] {
            assert_eq!(rule(address), None, "{address}");
            assert!(check_address(address.parse().unwrap(), false).is_ok());
        }
        // A public IPv4 in an IPv6 form is as good as itself.
        assert_eq!(rule("::ffff:8.8.8.8"), None);
    }

    #[test]
    fn internal_ranges_are_refused() {
        let cases = [
            ("127.0.0.1", AddressRule::Loopback),
            ("127.255.0.9", AddressRule::Loopback),
            ("::1", AddressRule::Loopback),
            ("10.1.2.3", AddressRule::Private),
            ("172.16.0.1", AddressRule::Private),
            ("172.31.255.255", AddressRule::Private),
            ("192.168.1.1", AddressRule::Private),
            ("100.64.0.1", AddressRule::Private),
            ("100.127.255.254", AddressRule::Private),
            ("fc00::1", AddressRule::Private),
            ("fd12:3456::1", AddressRule::Private),
            ("169.254.1.1", AddressRule::LinkLocal),
            ("fe80::1", AddressRule::LinkLocal),
            ("0.0.0.0", AddressRule::Unspecified),
            ("0.1.2.3", AddressRule::Unspecified),
            ("::", AddressRule::Unspecified),
            ("255.255.255.255", AddressRule::Broadcast),
            ("224.0.0.1", AddressRule::Multicast),
            ("239.255.255.250", AddressRule::Multicast),
            ("ff02::1", AddressRule::Multicast),
            ("192.0.2.1", AddressRule::Documentation),
            ("198.51.100.7", AddressRule::Documentation),
            ("203.0.113.9", AddressRule::Documentation),
            ("2001:db8::1", AddressRule::Documentation),
            ("240.0.0.1", AddressRule::Reserved),
            ("198.18.0.1", AddressRule::Reserved),
            ("169.254.169.254", AddressRule::Metadata),
            ("169.254.170.2", AddressRule::Metadata),
            ("100.100.100.200", AddressRule::Metadata),
            ("fd00:ec2::254", AddressRule::Metadata),
        ];
        for (address, expected) in cases {
            assert_eq!(rule(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn ipv4_inside_ipv6_is_judged_by_its_ipv4() {
        assert_eq!(rule("::ffff:127.0.0.1"), Some(AddressRule::Loopback));
        assert_eq!(rule("::ffff:10.0.0.1"), Some(AddressRule::Private));
        assert_eq!(rule("::ffff:169.254.169.254"), Some(AddressRule::Metadata));
        assert_eq!(rule("::127.0.0.1"), Some(AddressRule::Loopback));
        assert_eq!(rule("64:ff9b::a9fe:a9fe"), Some(AddressRule::Metadata));
        assert_eq!(rule("2002:c0a8:0101::1"), Some(AddressRule::Private));
    }

    #[test]
    fn allowing_private_urls_lifts_only_loopback_and_private() {
        for address in ["127.0.0.1", "::1", "10.0.0.1", "192.168.0.10", "fd12::1"] {
            assert!(check_address(address.parse().unwrap(), true).is_ok(), "{address}");
            assert!(check_address(address.parse().unwrap(), false).is_err(), "{address}");
        }
        for address in [
            "169.254.169.254",
            "fd00:ec2::254",
            "100.100.100.200",
            "::ffff:169.254.169.254",
            "169.254.3.4",
            "0.0.0.0",
            "224.0.0.1",
        ] {
            assert!(check_address(address.parse().unwrap(), true).is_err(), "{address}");
        }
    }

    #[test]
    fn url_form_rules() {
        assert!(check_syntax("https://hooks.example.com/arca?x=1", false).is_ok());
        assert_eq!(
            check_syntax("http://hooks.example.com/", false).err(),
            Some(Refusal::Scheme)
        );
        assert!(check_syntax("http://hooks.example.com/", true).is_ok());
        assert_eq!(
            check_syntax("ftp://hooks.example.com/", true).err(),
            Some(Refusal::Scheme)
        );
        assert_eq!(
            check_syntax("https://user:pw@hooks.example.com/", false).err(),
            Some(Refusal::Userinfo)
        );
        assert_eq!(
            check_syntax("https://user@hooks.example.com/", false).err(),
            Some(Refusal::Userinfo)
        );
        assert_eq!(
            check_syntax("https://hooks.example.com/#top", false).err(),
            Some(Refusal::Fragment)
        );
        assert_eq!(check_syntax("not a url", false).err(), Some(Refusal::Malformed));
        assert_eq!(check_syntax("/relative", false).err(), Some(Refusal::Malformed));
        let long = format!("https://hooks.example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(check_syntax(&long, false).err(), Some(Refusal::TooLong));
    }

    #[test]
    fn literal_hosts_are_checked_without_resolving() {
        assert_eq!(check_literal_host("127.0.0.1", false), Err(AddressRule::Loopback));
        assert_eq!(check_literal_host("[::1]", false), Err(AddressRule::Loopback));
        assert!(matches!(check_literal_host("127.0.0.1", true), Ok(Some(_))));
        assert_eq!(check_literal_host("169.254.169.254", true), Err(AddressRule::Metadata));
        assert_eq!(check_literal_host("hooks.example.com", false), Ok(None));
    }

    #[tokio::test]
    async fn check_url_refuses_literal_and_metadata_hosts() {
        assert_eq!(
            check_url("https://127.0.0.1/x", false).await.err(),
            Some(Refusal::Address(AddressRule::Loopback))
        );
        assert!(check_url("http://127.0.0.1:9/x", true).await.is_ok());
        assert_eq!(
            check_url("http://169.254.169.254/latest/meta-data", true).await.err(),
            Some(Refusal::Address(AddressRule::Metadata))
        );
        assert_eq!(
            check_url("http://metadata.google.internal/", true).await.err(),
            Some(Refusal::Address(AddressRule::Metadata))
        );
        // `localhost` resolves to loopback through the system's resolver.
        assert!(matches!(
            check_url("https://localhost/x", false).await.err(),
            Some(Refusal::Address(AddressRule::Loopback)) | Some(Refusal::Unresolvable)
        ));
    }

    #[tokio::test]
    async fn the_resolver_drops_refused_addresses() {
        let mut guarded = GuardedResolver { allow_private: false };
        let name: Name = "localhost".parse().unwrap();
        let resolved = tower::Service::call(&mut guarded, name).await;
        assert!(resolved.is_err());
        let mut open = GuardedResolver { allow_private: true };
        let name: Name = "localhost".parse().unwrap();
        let addresses: Vec<SocketAddr> = tower::Service::call(&mut open, name).await.unwrap().collect();
        assert!(addresses.iter().all(|address| address.ip().is_loopback()));
        assert!(!addresses.is_empty());
    }
}
