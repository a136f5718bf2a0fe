//! Suffixes in IANA's "Well-Known URIs" registry (RFC 8615), permanent and provisional.
//!
//! A snapshot: the registry grows, so an unknown suffix is only a warning. When a real
//! file references a registered suffix missing here, add it (keep the list sorted).

const REGISTERED: &[&str] = &[
    "acme-challenge",
    "amphtml",
    "api-catalog",
    "appspecific",
    "ashrae",
    "assetlinks.json",
    "atproto-did",
    "brski",
    "caldav",
    "carddav",
    "change-password",
    "cmp",
    "coap",
    "com.apple.remotemanagement",
    "core",
    "csaf",
    "csaf-aggregator",
    "csvm",
    "did-configuration.json",
    "did.json",
    "dnt",
    "dnt-policy.txt",
    "dots",
    "ecips",
    "edhoc",
    "enterprise-network-security",
    "enterprise-transport-security",
    "est",
    "genid",
    "gnap-as-rs",
    "gpc.json",
    "gs1resolver",
    "hoba",
    "host-meta",
    "host-meta.json",
    "hosting-provider",
    "http-opportunistic",
    "idp-proxy",
    "jmap",
    "keybase.txt",
    "knx",
    "looking-glass",
    "masque",
    "matrix",
    "mercure",
    "mta-sts.txt",
    "mud",
    "nfv-oauth-server-configuration",
    "ni",
    "nodeinfo",
    "nostr.json",
    "oauth-authorization-server",
    "oauth-protected-resource",
    "ohttp-gateway",
    "openid-configuration",
    "openid-credential-issuer",
    "openid-federation",
    "openid-verifier",
    "openpgpkey",
    "pki-validation",
    "posh",
    "privacy-sandbox-attestations.json",
    "private-token-issuer-directory",
    "probing.txt",
    "pvd",
    "rd",
    "reload-config",
    "repute-template",
    "resourcesync",
    "sbom",
    "security.txt",
    "ssf-configuration",
    "sshfp",
    "stun-key",
    "tdmrep.json",
    "terraform.json",
    "thread",
    "time",
    "timezone",
    "tor-relay",
    "traffic-advice",
    "trust.txt",
    "uma2-configuration",
    "void",
    "webfinger",
    "webweaver.json",
    "wot",
];

/// Whether `suffix` (the path segment after `/.well-known/`) is registered.
pub(crate) fn is_registered(suffix: &str) -> bool {
    REGISTERED.binary_search(&suffix).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_for_binary_search() {
        assert!(REGISTERED.windows(2).all(|w| w[0] < w[1]));
        assert!(is_registered("security.txt"));
        assert!(is_registered("csaf"));
        assert!(is_registered("openpgpkey"));
        assert!(!is_registered("pgp-key.txt"));
        assert!(!is_registered("hall-of-fame.txt"));
        assert!(!is_registered("security.txt.sig"));
    }
}
