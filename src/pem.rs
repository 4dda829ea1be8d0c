//! Base64 and PEM decoding for the delivery verifier: pure, tested natively.

/// Decodes standard base64 (`+/`, padding optional, whitespace ignored);
/// `None` for anything else.
pub(crate) fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding = 0usize;
    let mut symbols = 0usize;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        if padding > 0 {
            return None; // data after padding
        }
        symbols += 1;
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone symbol in the last group cannot encode a byte; padding must complete a group.
    let valid_tail = symbols % 4 != 1;
    let valid_padding = padding == 0 || (symbols + padding) % 4 == 0 && padding <= 2;
    (valid_tail && valid_padding && symbols > 0).then_some(out)
}

/// The DER bytes of a PEM `PUBLIC KEY` (SPKI). Accepts real newlines and the
/// escaped `\n` some documentation shows, and surrounding whitespace.
pub(crate) fn spki_der(pem: &str) -> Result<Vec<u8>, &'static str> {
    let pem = pem.replace("\\n", "\n");
    let pem = pem.trim_ascii();
    const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
    const END: &str = "-----END PUBLIC KEY-----";
    let body =
        pem.strip_prefix(BEGIN).and_then(|rest| rest.strip_suffix(END)).ok_or("the public key is not a PEM \"PUBLIC KEY\" (SPKI) block")?;
    base64(body).ok_or("the public key's PEM body is not base64")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(base64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(base64("aGVs\nbG8h"), Some(b"hell\x6f!".to_vec()));
        assert_eq!(base64("+/+/"), Some(vec![0xfb, 0xff, 0xbf]));
        for bad in ["", "a", "aGVsbG8=x", "aGVs*G8=", "-_", "aGVsbG8===", "====", "éé"] {
            assert_eq!(base64(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pem_with_real_or_escaped_newlines() {
        let body = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A";
        let real = format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n");
        let escaped = format!("-----BEGIN PUBLIC KEY-----\\n{body}\\n-----END PUBLIC KEY-----");
        assert_eq!(spki_der(&real), spki_der(&escaped));
        assert!(spki_der(&real).is_ok());
        assert!(spki_der("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----").is_err());
        assert!(spki_der("-----BEGIN PUBLIC KEY-----\n***\n-----END PUBLIC KEY-----").is_err());
        assert!(spki_der("").is_err());
    }

    proptest::proptest! {
        #[test]
        fn decoders_never_panic(text in ".{0,200}") {
            let _ = base64(&text);
            let _ = spki_der(&text);
            let _ = spki_der(&format!("-----BEGIN PUBLIC KEY-----{text}-----END PUBLIC KEY-----"));
        }

        #[test]
        fn base64_round_trips(bytes in proptest::collection::vec(proptest::num::u8::ANY, 1..100)) {
            const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut text = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
                for i in 0..=chunk.len() {
                    text.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
                }
                for _ in chunk.len()..3 {
                    text.push('=');
                }
            }
            proptest::prop_assert_eq!(base64(&text), Some(bytes));
        }
    }
}
