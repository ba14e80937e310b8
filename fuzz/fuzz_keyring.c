/* The server key loader: PEM or DER, PKCS#1 or PKCS#8, encrypted or not.
 * The first input byte picks the password (none, the samples' one, a wrong
 * one); the rest is the key file.  A key that loads is matched against the
 * sample certificate and asked to decrypt a pre-master secret. */
#include <string.h>

#include "dissect/keyring.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const passwords[] = { NULL, "tlsview", "wrong", "" };
    cursor in = cur_make(data, size);
    const char *password = passwords[fz_u8(&in) % 4];
    size_t n;
    const uint8_t *key = fz_bytes(&in, cur_left(&in), &n);
    keyring *kr = keyring_new();
    if (!kr) return 0;
    char msg[512];
    keyring_result r = keyring_add_buffer(kr, "fuzz.key", key, n, password, msg, sizeof msg);
    if (r == KEYRING_ERROR || r == KEYRING_NOT_RSA) {
        if (!memchr(msg, 0, sizeof msg) || !msg[0]) fuzz_fail("no message for result %d", (int)r);
    }
    if (r != KEYRING_ERROR) {
        if (keyring_count(kr) != 1) fuzz_fail("a key loaded but the ring holds %zu", keyring_count(kr));
        const server_key *k = keyring_key(kr, 0);
        (void)strlen(server_key_name(k));
        (void)strlen(server_key_type(k));
        (void)server_key_bits(k);
        if (server_key_is_rsa(k) != (r == KEYRING_OK)) fuzz_fail("RSA or not: the result and the key disagree");
        size_t cert_len;
        const uint8_t *cert = fuzz_sample_server_cert(&cert_len);
        keyring_match_status st;
        (void)keyring_match(kr, cert, cert_len, &st);
        /* The key bytes themselves as a certificate: any bytes must do. */
        (void)keyring_match(kr, key, n, &st);
        uint8_t enc[512], pms[48];
        size_t bits = server_key_bits(k);
        size_t enc_len = bits / 8 <= sizeof enc ? bits / 8 : sizeof enc;
        for (size_t i = 0; i < enc_len; i++) enc[i] = (uint8_t)(i * 31 + 7);
        if (enc_len) enc[0] = 0;
        uint16_t v;
        (void)keyring_decrypt_pms(kr, k, enc, enc_len, 0x0303, pms, &v);
        (void)keyring_decrypt_pms(kr, k, enc, enc_len > 1 ? enc_len - 1 : 0, 0x0303, pms, &v);
    }
    keyring_free(kr);
    return 0;
}
