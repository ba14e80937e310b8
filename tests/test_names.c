/* Names of TLS code points: spot checks in every registry, GREASE, what
 * the cipher suites are made of, and that every table is in order. */
#include "dissect/names.h"
#include "tests/testlib.h"

#include <stdio.h>
#include <string.h>

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void test_tables_sorted(void)
{
    const char *bad = tls_names_check_tables();
    if (bad)
        test_fail(__FILE__, __LINE__, "table %s is not sorted or has a duplicate", bad);
    test_checks++;
    bad = tls_suites_check_table();
    if (bad)
        test_fail(__FILE__, __LINE__, "table %s is not sorted or has a duplicate", bad);
    test_checks++;
}

static void test_grease(void)
{
    static const uint16_t grease[16] = {
        0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a,
        0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa,
    };
    for (size_t i = 0; i < 16; i++) {
        CHECK(tls_is_grease(grease[i]));
        CHECK_STR(tls_cipher_suite_name(grease[i]), "GREASE");
        CHECK_STR(tls_extension_name(grease[i]), "GREASE");
        CHECK_STR(tls_group_name(grease[i]), "GREASE");
        CHECK_STR(tls_signature_scheme_name(grease[i]), "GREASE");
        CHECK_STR(tls_version_name(grease[i]), "GREASE");
        CHECK(!tls_suite_info_get(grease[i], NULL));
    }
    static const uint16_t near[] = {
        0x0a0b, 0x0b0a, 0x1a0a, 0x0a1a, 0x0a00, 0x000a, 0x0000, 0xffff,
        0xfafb, 0xaaab, 0x0aaa, 0xa0a0, 0x1b1b, 0x2a3a,
    };
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++)
        CHECK(!tls_is_grease(near[i]));
    /* exactly 16 in the whole space */
    int n = 0;
    for (uint32_t v = 0; v <= 0xffff; v++)
        n += tls_is_grease((uint16_t)v);
    CHECK_EQ_INT(n, 16);

    /* PskKeyExchangeMode GREASE is one byte: 0x0B + 0x1F * n */
    static const uint8_t psk_grease[] = {0x0b, 0x2a, 0x49, 0x68, 0x87, 0xa6, 0xc5, 0xe4};
    for (size_t i = 0; i < sizeof psk_grease; i++)
        CHECK_STR(tls_psk_ke_mode_name(psk_grease[i]), "GREASE");
    CHECK(tls_psk_ke_mode_name(0x0a) == NULL);
    CHECK(tls_psk_ke_mode_name(2) == NULL);
}

static void test_versions(void)
{
    CHECK_STR(tls_version_name(0x0002), "SSL 2.0");
    CHECK_STR(tls_version_name(0x0300), "SSL 3.0");
    CHECK_STR(tls_version_name(0x0301), "TLS 1.0");
    CHECK_STR(tls_version_name(0x0302), "TLS 1.1");
    CHECK_STR(tls_version_name(0x0303), "TLS 1.2");
    CHECK_STR(tls_version_name(0x0304), "TLS 1.3");
    CHECK_STR(tls_version_name(0xfeff), "DTLS 1.0");
    CHECK_STR(tls_version_name(0xfefd), "DTLS 1.2");
    CHECK_STR(tls_version_name(0xfefc), "DTLS 1.3");
    CHECK_STR(tls_version_name(0x7f17), "TLS 1.3 draft 23");
    CHECK_STR(tls_version_name(0x7f1c), "TLS 1.3 draft 28");
    CHECK_STR(tls_version_name(0x7f12), "TLS 1.3 draft 18");
    CHECK(tls_version_name(0x7f00) == NULL);
    CHECK(tls_version_name(0x7f1d) == NULL);
    CHECK(tls_version_name(0x0305) == NULL);
    CHECK(tls_version_name(0xfefe) == NULL);
    CHECK(tls_version_name(0x0000) == NULL);
}

static void test_record_and_handshake(void)
{
    CHECK_STR(tls_content_type_name(20), "change_cipher_spec");
    CHECK_STR(tls_content_type_name(21), "alert");
    CHECK_STR(tls_content_type_name(22), "handshake");
    CHECK_STR(tls_content_type_name(23), "application_data");
    CHECK_STR(tls_content_type_name(24), "heartbeat");
    CHECK_STR(tls_content_type_name(25), "tls12_cid");
    CHECK_STR(tls_content_type_name(26), "ack");
    CHECK(tls_content_type_name(19) == NULL);
    CHECK(tls_content_type_name(0) == NULL);
    CHECK(tls_content_type_name(0x80) == NULL);

    CHECK_STR(tls_handshake_type_name(0), "hello_request");
    CHECK_STR(tls_handshake_type_name(1), "client_hello");
    CHECK_STR(tls_handshake_type_name(2), "server_hello");
    CHECK_STR(tls_handshake_type_name(3), "hello_verify_request");
    CHECK_STR(tls_handshake_type_name(4), "new_session_ticket");
    CHECK_STR(tls_handshake_type_name(5), "end_of_early_data");
    CHECK_STR(tls_handshake_type_name(6), "hello_retry_request");
    CHECK_STR(tls_handshake_type_name(8), "encrypted_extensions");
    CHECK_STR(tls_handshake_type_name(9), "request_connection_id");
    CHECK_STR(tls_handshake_type_name(10), "new_connection_id");
    CHECK_STR(tls_handshake_type_name(11), "certificate");
    CHECK_STR(tls_handshake_type_name(12), "server_key_exchange");
    CHECK_STR(tls_handshake_type_name(13), "certificate_request");
    CHECK_STR(tls_handshake_type_name(14), "server_hello_done");
    CHECK_STR(tls_handshake_type_name(15), "certificate_verify");
    CHECK_STR(tls_handshake_type_name(16), "client_key_exchange");
    CHECK_STR(tls_handshake_type_name(17), "client_certificate_request");
    CHECK_STR(tls_handshake_type_name(20), "finished");
    CHECK_STR(tls_handshake_type_name(21), "certificate_url");
    CHECK_STR(tls_handshake_type_name(22), "certificate_status");
    CHECK_STR(tls_handshake_type_name(23), "supplemental_data");
    CHECK_STR(tls_handshake_type_name(24), "key_update");
    CHECK_STR(tls_handshake_type_name(25), "compressed_certificate");
    CHECK_STR(tls_handshake_type_name(26), "ekt_key");
    CHECK_STR(tls_handshake_type_name(254), "message_hash");
    CHECK(tls_handshake_type_name(7) == NULL);
    CHECK(tls_handshake_type_name(18) == NULL);
    CHECK(tls_handshake_type_name(255) == NULL);
}

static void test_cipher_suite_names(void)
{
    CHECK_STR(tls_cipher_suite_name(0x0000), "TLS_NULL_WITH_NULL_NULL");
    CHECK_STR(tls_cipher_suite_name(0x000a), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    CHECK_STR(tls_cipher_suite_name(0x002f), "TLS_RSA_WITH_AES_128_CBC_SHA");
    CHECK_STR(tls_cipher_suite_name(0x009c), "TLS_RSA_WITH_AES_128_GCM_SHA256");
    CHECK_STR(tls_cipher_suite_name(0x00c5), "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256");
    CHECK_STR(tls_cipher_suite_name(0x00c6), "TLS_SM4_GCM_SM3");
    CHECK_STR(tls_cipher_suite_name(0x00ff), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    CHECK_STR(tls_cipher_suite_name(0x1301), "TLS_AES_128_GCM_SHA256");
    CHECK_STR(tls_cipher_suite_name(0x1302), "TLS_AES_256_GCM_SHA384");
    CHECK_STR(tls_cipher_suite_name(0x1303), "TLS_CHACHA20_POLY1305_SHA256");
    CHECK_STR(tls_cipher_suite_name(0x1304), "TLS_AES_128_CCM_SHA256");
    CHECK_STR(tls_cipher_suite_name(0x1305), "TLS_AES_128_CCM_8_SHA256");
    CHECK_STR(tls_cipher_suite_name(0x1307), "TLS_AEGIS_128L_SHA256");
    CHECK_STR(tls_cipher_suite_name(0x5600), "TLS_FALLBACK_SCSV");
    CHECK_STR(tls_cipher_suite_name(0xc001), "TLS_ECDH_ECDSA_WITH_NULL_SHA");
    CHECK_STR(tls_cipher_suite_name(0xc02b), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    CHECK_STR(tls_cipher_suite_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK_STR(tls_cipher_suite_name(0xc030), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    CHECK_STR(tls_cipher_suite_name(0xc0b5), "TLS_SHA384_SHA384");
    CHECK_STR(tls_cipher_suite_name(0xcca8), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    CHECK_STR(tls_cipher_suite_name(0xccae), "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256");
    CHECK_STR(tls_cipher_suite_name(0xd001), "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256");
    CHECK_STR(tls_cipher_suite_name(0xd005), "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256");
    CHECK(tls_cipher_suite_name(0x001c) == NULL);     /* reserved (SSLv3 Fortezza) */
    CHECK(tls_cipher_suite_name(0x0047) == NULL);
    CHECK(tls_cipher_suite_name(0x1300) == NULL);
    CHECK(tls_cipher_suite_name(0xc000) == NULL);
    CHECK(tls_cipher_suite_name(0xd004) == NULL);
    CHECK(tls_cipher_suite_name(0xffff) == NULL);

    /* every named value: a registry name, and the right count of them */
    int named = 0;
    for (uint32_t v = 0; v <= 0xffff; v++) {
        const char *n = tls_cipher_suite_name((uint16_t)v);
        if (!n || tls_is_grease((uint16_t)v))
            continue;
        named++;
        if (strncmp(n, "TLS_", 4) != 0)
            test_fail(__FILE__, __LINE__, "suite 0x%04x is named \"%s\"", (unsigned)v, n);
    }
    test_checks++;
    CHECK_EQ_INT(named, 352);
}

static void test_suite_info(void)
{
    tls_suite_info si;

    CHECK(tls_suite_info_get(0x002f, &si));
    CHECK_EQ_INT(si.code, 0x002f);
    CHECK_EQ_INT(si.kx, KX_RSA);
    CHECK_EQ_INT(si.cipher, CIPHER_AES_128_CBC);
    CHECK_EQ_INT(si.mac, MAC_SHA1);
    CHECK_EQ_INT(si.prf, MAC_SHA256);
    CHECK(!si.tls13 && !si.export_grade);

    CHECK(tls_suite_info_get(0xc02f, &si));
    CHECK_EQ_INT(si.kx, KX_ECDHE_RSA);
    CHECK_EQ_INT(si.cipher, CIPHER_AES_128_GCM);
    CHECK_EQ_INT(si.mac, MAC_NONE);
    CHECK_EQ_INT(si.prf, MAC_SHA256);
    CHECK(!si.tls13);

    CHECK(tls_suite_info_get(0xc030, &si));
    CHECK_EQ_INT(si.kx, KX_ECDHE_RSA);
    CHECK_EQ_INT(si.cipher, CIPHER_AES_256_GCM);
    CHECK_EQ_INT(si.mac, MAC_NONE);
    CHECK_EQ_INT(si.prf, MAC_SHA384);

    CHECK(tls_suite_info_get(0x009c, &si));
    CHECK_EQ_INT(si.kx, KX_RSA);
    CHECK_EQ_INT(si.cipher, CIPHER_AES_128_GCM);
    CHECK_EQ_INT(si.mac, MAC_NONE);
    CHECK_EQ_INT(si.prf, MAC_SHA256);

    CHECK(tls_suite_info_get(0xcca8, &si));
    CHECK_EQ_INT(si.kx, KX_ECDHE_RSA);
    CHECK_EQ_INT(si.cipher, CIPHER_CHACHA20_POLY1305);
    CHECK_EQ_INT(si.mac, MAC_NONE);
    CHECK_EQ_INT(si.prf, MAC_SHA256);
    CHECK(tls_suite_info_get(0xcca9, &si));
    CHECK_EQ_INT(si.kx, KX_ECDHE_ECDSA);

    static const struct { uint16_t cs; tls_cipher_alg c; tls_mac_alg prf; } t13[] = {
        {0x1301, CIPHER_AES_128_GCM, MAC_SHA256},
        {0x1302, CIPHER_AES_256_GCM, MAC_SHA384},
        {0x1303, CIPHER_CHACHA20_POLY1305, MAC_SHA256},
        {0x1304, CIPHER_AES_128_CCM, MAC_SHA256},
        {0x1305, CIPHER_AES_128_CCM_8, MAC_SHA256},
    };
    for (size_t i = 0; i < sizeof t13 / sizeof t13[0]; i++) {
        CHECK(tls_suite_info_get(t13[i].cs, &si));
        CHECK(si.tls13);
        CHECK_EQ_INT(si.kx, KX_NONE);
        CHECK_EQ_INT(si.cipher, t13[i].c);
        CHECK_EQ_INT(si.mac, MAC_NONE);
        CHECK_EQ_INT(si.prf, t13[i].prf);
        CHECK(!si.export_grade);
    }

    /* old and odd ones */
    CHECK(tls_suite_info_get(0x0004, &si));           /* RSA RC4_128 MD5 */
    CHECK_EQ_INT(si.cipher, CIPHER_RC4_128);
    CHECK_EQ_INT(si.mac, MAC_MD5);
    CHECK_EQ_INT(si.prf, MAC_SHA256);
    CHECK(tls_suite_info_get(0x0003, &si));           /* RSA_EXPORT RC4_40 MD5 */
    CHECK(si.export_grade);
    CHECK_EQ_INT(si.kx, KX_RSA);
    CHECK_EQ_INT(si.cipher, CIPHER_RC4_40);
    CHECK(tls_suite_info_get(0x0006, &si));
    CHECK_EQ_INT(si.cipher, CIPHER_RC2_CBC_40);
    CHECK(tls_suite_info_get(0x0014, &si));           /* DHE_RSA_EXPORT DES40 */
    CHECK(si.export_grade);
    CHECK_EQ_INT(si.kx, KX_DHE_RSA);
    CHECK_EQ_INT(si.cipher, CIPHER_DES40_CBC);
    CHECK(tls_suite_info_get(0x0026, &si));           /* KRB5_EXPORT DES_CBC_40 */
    CHECK_EQ_INT(si.kx, KX_OTHER);
    CHECK_EQ_INT(si.cipher, CIPHER_DES40_CBC);
    CHECK(si.export_grade);
    CHECK(tls_suite_info_get(0x0034, &si));
    CHECK_EQ_INT(si.kx, KX_DH_ANON);
    CHECK(tls_suite_info_get(0xc018, &si));
    CHECK_EQ_INT(si.kx, KX_ECDH_ANON);
    CHECK(tls_suite_info_get(0x0007, &si));
    CHECK_EQ_INT(si.cipher, CIPHER_IDEA_CBC);
    CHECK(tls_suite_info_get(0x0096, &si));
    CHECK_EQ_INT(si.cipher, CIPHER_SEED_CBC);
    CHECK(tls_suite_info_get(0x003b, &si));           /* RSA NULL SHA256 */
    CHECK_EQ_INT(si.cipher, CIPHER_NULL);
    CHECK_EQ_INT(si.mac, MAC_SHA256);
    CHECK(tls_suite_info_get(0x00b1, &si));           /* PSK NULL SHA384 */
    CHECK_EQ_INT(si.kx, KX_PSK);
    CHECK_EQ_INT(si.mac, MAC_SHA384);
    CHECK_EQ_INT(si.prf, MAC_SHA384);
    CHECK(tls_suite_info_get(0xc028, &si));           /* ECDHE_RSA AES_256_CBC SHA384 */
    CHECK_EQ_INT(si.mac, MAC_SHA384);
    CHECK_EQ_INT(si.prf, MAC_SHA384);
    CHECK(tls_suite_info_get(0xc01e, &si));
    CHECK_EQ_INT(si.kx, KX_SRP);
    CHECK(tls_suite_info_get(0xc0aa, &si));           /* spelled PSK_DHE */
    CHECK_EQ_INT(si.kx, KX_DHE_PSK);
    CHECK_EQ_INT(si.cipher, CIPHER_AES_128_CCM_8);
    CHECK(tls_suite_info_get(0xc09d, &si));           /* CCM without a hash: SHA-256 PRF */
    CHECK_EQ_INT(si.cipher, CIPHER_AES_256_CCM);
    CHECK_EQ_INT(si.prf, MAC_SHA256);
    CHECK(tls_suite_info_get(0xc03d, &si));
    CHECK_EQ_INT(si.cipher, CIPHER_ARIA_256_CBC);
    CHECK_EQ_INT(si.prf, MAC_SHA384);
    CHECK(tls_suite_info_get(0xc07a, &si));
    CHECK_EQ_INT(si.cipher, CIPHER_CAMELLIA_128_GCM);
    CHECK(tls_suite_info_get(0xd003, &si));
    CHECK_EQ_INT(si.kx, KX_ECDHE_PSK);
    CHECK_EQ_INT(si.cipher, CIPHER_AES_128_CCM_8);
    CHECK(!si.tls13);
    CHECK(tls_suite_info_get(0x00c6, &si));           /* RFC 8998 */
    CHECK(si.tls13);
    CHECK_EQ_INT(si.cipher, CIPHER_SM4_GCM);
    CHECK_EQ_INT(si.prf, MAC_SM3);
    CHECK(tls_suite_info_get(0x00c7, &si));
    CHECK_EQ_INT(si.cipher, CIPHER_SM4_CCM);
    CHECK(tls_suite_info_get(0xc0b4, &si));           /* RFC 9150 integrity only */
    CHECK(si.tls13);
    CHECK_EQ_INT(si.cipher, CIPHER_NULL);
    CHECK_EQ_INT(si.mac, MAC_SHA256);

    /* named but not described, or not suites at all */
    CHECK(!tls_suite_info_get(0x0000, &si));
    CHECK(!tls_suite_info_get(0x00ff, &si));
    CHECK(!tls_suite_info_get(0x5600, &si));
    CHECK(!tls_suite_info_get(0x1306, &si));
    CHECK(!tls_suite_info_get(0xc100, &si));
    CHECK(!tls_suite_info_get(0xc106, &si));
    CHECK(!tls_suite_info_get(0x1300, &si));
    CHECK(!tls_suite_info_get(0xffff, &si));
    CHECK(tls_suite_info_get(0x1301, NULL));

    /* what every described suite says agrees with its name */
    for (uint32_t v = 0; v <= 0xffff; v++) {
        if (!tls_suite_info_get((uint16_t)v, &si))
            continue;
        const char *n = tls_cipher_suite_name((uint16_t)v);
        bool ok = n != NULL && si.code == v;
        if (ok && si.tls13)
            ok = si.kx == KX_NONE && !si.export_grade && strstr(n, "_WITH_") == NULL;
        if (ok && !si.tls13)
            ok = si.kx != KX_NONE && strstr(n, "_WITH_") != NULL;
        if (ok)
            ok = si.export_grade == (strstr(n, "EXPORT") != NULL);
        if (ok)
            ok = (si.prf == MAC_SHA384) == ends_with(n, "_SHA384");
        if (ok && si.prf != MAC_SHA384)
            ok = si.prf == MAC_SHA256 || (si.prf == MAC_SM3 && ends_with(n, "_SM3"));
        if (ok && (strstr(n, "GCM") || strstr(n, "CCM") || strstr(n, "POLY1305")))
            ok = si.mac == MAC_NONE;
        if (ok && ends_with(n, "_MD5"))
            ok = si.mac == MAC_MD5;
        if (ok && ends_with(n, "_SHA"))
            ok = si.mac == MAC_SHA1;
        if (!ok)
            test_fail(__FILE__, __LINE__, "suite 0x%04x (%s) is described wrongly",
                      (unsigned)v, n ? n : "(null)");
        test_checks++;
    }
}

static void test_kx(void)
{
    CHECK_STR(tls_kx_name(KX_NONE), "NONE");
    CHECK_STR(tls_kx_name(KX_RSA), "RSA");
    CHECK_STR(tls_kx_name(KX_ECDHE_RSA), "ECDHE_RSA");
    CHECK_STR(tls_kx_name(KX_DH_ANON), "DH_anon");
    CHECK_STR(tls_kx_name(KX_ECDHE_PSK), "ECDHE_PSK");
    CHECK_STR(tls_kx_name(KX_OTHER), "OTHER");
    for (int k = KX_NONE; k <= KX_OTHER; k++)
        CHECK(tls_kx_name((tls_kx)k) != NULL);

    CHECK(tls_kx_is_forward_secret(KX_NONE));
    CHECK(tls_kx_is_forward_secret(KX_DHE_RSA));
    CHECK(tls_kx_is_forward_secret(KX_DHE_DSS));
    CHECK(tls_kx_is_forward_secret(KX_ECDHE_RSA));
    CHECK(tls_kx_is_forward_secret(KX_ECDHE_ECDSA));
    CHECK(tls_kx_is_forward_secret(KX_DHE_PSK));
    CHECK(tls_kx_is_forward_secret(KX_ECDHE_PSK));
    CHECK(!tls_kx_is_forward_secret(KX_RSA));
    CHECK(!tls_kx_is_forward_secret(KX_DH_RSA));
    CHECK(!tls_kx_is_forward_secret(KX_ECDH_ECDSA));
    CHECK(!tls_kx_is_forward_secret(KX_PSK));
    CHECK(!tls_kx_is_forward_secret(KX_RSA_PSK));
    CHECK(!tls_kx_is_forward_secret(KX_DH_ANON));
    CHECK(!tls_kx_is_forward_secret(KX_SRP));
    CHECK(!tls_kx_is_forward_secret(KX_OTHER));
}

static void test_extensions(void)
{
    CHECK_STR(tls_extension_name(0), "server_name");
    CHECK_STR(tls_extension_name(1), "max_fragment_length");
    CHECK_STR(tls_extension_name(5), "status_request");
    CHECK_STR(tls_extension_name(10), "supported_groups");
    CHECK_STR(tls_extension_name(11), "ec_point_formats");
    CHECK_STR(tls_extension_name(13), "signature_algorithms");
    CHECK_STR(tls_extension_name(16), "application_layer_protocol_negotiation");
    CHECK_STR(tls_extension_name(18), "signed_certificate_timestamp");
    CHECK_STR(tls_extension_name(21), "padding");
    CHECK_STR(tls_extension_name(23), "extended_master_secret");
    CHECK_STR(tls_extension_name(27), "compress_certificate");
    CHECK_STR(tls_extension_name(28), "record_size_limit");
    CHECK_STR(tls_extension_name(35), "session_ticket");
    CHECK_STR(tls_extension_name(41), "pre_shared_key");
    CHECK_STR(tls_extension_name(42), "early_data");
    CHECK_STR(tls_extension_name(43), "supported_versions");
    CHECK_STR(tls_extension_name(44), "cookie");
    CHECK_STR(tls_extension_name(45), "psk_key_exchange_modes");
    CHECK_STR(tls_extension_name(49), "post_handshake_auth");
    CHECK_STR(tls_extension_name(50), "signature_algorithms_cert");
    CHECK_STR(tls_extension_name(51), "key_share");
    CHECK_STR(tls_extension_name(54), "connection_id");
    CHECK_STR(tls_extension_name(57), "quic_transport_parameters");
    CHECK_STR(tls_extension_name(17513), "application_settings");
    CHECK_STR(tls_extension_name(17613), "application_settings");
    CHECK_STR(tls_extension_name(64768), "ech_outer_extensions");
    CHECK_STR(tls_extension_name(65037), "encrypted_client_hello");
    CHECK_STR(tls_extension_name(65281), "renegotiation_info");
    CHECK(tls_extension_name(40) == NULL);
    CHECK(tls_extension_name(46) == NULL);
    CHECK(tls_extension_name(65535) == NULL);
    CHECK(tls_extension_name(0x0a0b) == NULL);
}

static void test_groups_and_signatures(void)
{
    CHECK_STR(tls_group_name(23), "secp256r1");
    CHECK_STR(tls_group_name(24), "secp384r1");
    CHECK_STR(tls_group_name(25), "secp521r1");
    CHECK_STR(tls_group_name(29), "x25519");
    CHECK_STR(tls_group_name(30), "x448");
    CHECK_STR(tls_group_name(1), "sect163k1");
    CHECK_STR(tls_group_name(31), "brainpoolP256r1tls13");
    CHECK_STR(tls_group_name(33), "brainpoolP512r1tls13");
    CHECK_STR(tls_group_name(256), "ffdhe2048");
    CHECK_STR(tls_group_name(260), "ffdhe8192");
    CHECK_STR(tls_group_name(0x11ec), "X25519MLKEM768");
    CHECK_STR(tls_group_name(0x11eb), "SecP256r1MLKEM768");
    CHECK_STR(tls_group_name(0x6399), "X25519Kyber768Draft00");
    CHECK_STR(tls_group_name(0xff01), "arbitrary_explicit_prime_curves");
    CHECK(tls_group_name(0) == NULL);
    CHECK(tls_group_name(42) == NULL);
    CHECK(tls_group_name(261) == NULL);

    CHECK_STR(tls_signature_scheme_name(0x0201), "rsa_pkcs1_sha1");
    CHECK_STR(tls_signature_scheme_name(0x0203), "ecdsa_sha1");
    CHECK_STR(tls_signature_scheme_name(0x0401), "rsa_pkcs1_sha256");
    CHECK_STR(tls_signature_scheme_name(0x0403), "ecdsa_secp256r1_sha256");
    CHECK_STR(tls_signature_scheme_name(0x0503), "ecdsa_secp384r1_sha384");
    CHECK_STR(tls_signature_scheme_name(0x0601), "rsa_pkcs1_sha512");
    CHECK_STR(tls_signature_scheme_name(0x0708), "sm2sig_sm3");
    CHECK_STR(tls_signature_scheme_name(0x0804), "rsa_pss_rsae_sha256");
    CHECK_STR(tls_signature_scheme_name(0x0806), "rsa_pss_rsae_sha512");
    CHECK_STR(tls_signature_scheme_name(0x0807), "ed25519");
    CHECK_STR(tls_signature_scheme_name(0x0808), "ed448");
    CHECK_STR(tls_signature_scheme_name(0x0809), "rsa_pss_pss_sha256");
    CHECK_STR(tls_signature_scheme_name(0x080b), "rsa_pss_pss_sha512");
    CHECK_STR(tls_signature_scheme_name(0x081a), "ecdsa_brainpoolP256r1tls13_sha256");
    CHECK_STR(tls_signature_scheme_name(0x0905), "mldsa65");
    CHECK(tls_signature_scheme_name(0x0202) == NULL);
    CHECK(tls_signature_scheme_name(0x0000) == NULL);
    CHECK(tls_signature_scheme_name(0xfe00) == NULL);

    CHECK_STR(tls_hash_algorithm_name(0), "none");
    CHECK_STR(tls_hash_algorithm_name(1), "md5");
    CHECK_STR(tls_hash_algorithm_name(2), "sha1");
    CHECK_STR(tls_hash_algorithm_name(3), "sha224");
    CHECK_STR(tls_hash_algorithm_name(4), "sha256");
    CHECK_STR(tls_hash_algorithm_name(5), "sha384");
    CHECK_STR(tls_hash_algorithm_name(6), "sha512");
    CHECK_STR(tls_hash_algorithm_name(8), "Intrinsic");
    CHECK(tls_hash_algorithm_name(7) == NULL);

    CHECK_STR(tls_signature_algorithm_name(0), "anonymous");
    CHECK_STR(tls_signature_algorithm_name(1), "rsa");
    CHECK_STR(tls_signature_algorithm_name(2), "dsa");
    CHECK_STR(tls_signature_algorithm_name(3), "ecdsa");
    CHECK_STR(tls_signature_algorithm_name(7), "ed25519");
    CHECK_STR(tls_signature_algorithm_name(8), "ed448");
    CHECK_STR(tls_signature_algorithm_name(64), "gostr34102012_256");
    CHECK_STR(tls_signature_algorithm_name(65), "gostr34102012_512");
    CHECK(tls_signature_algorithm_name(4) == NULL);

    CHECK_STR(tls_ec_point_format_name(0), "uncompressed");
    CHECK_STR(tls_ec_point_format_name(1), "ansiX962_compressed_prime");
    CHECK_STR(tls_ec_point_format_name(2), "ansiX962_compressed_char2");
    CHECK(tls_ec_point_format_name(3) == NULL);

    CHECK_STR(tls_psk_ke_mode_name(0), "psk_ke");
    CHECK_STR(tls_psk_ke_mode_name(1), "psk_dhe_ke");
}

static void test_alerts(void)
{
    CHECK_STR(tls_alert_level_name(1), "warning");
    CHECK_STR(tls_alert_level_name(2), "fatal");
    CHECK(tls_alert_level_name(0) == NULL);
    CHECK(tls_alert_level_name(3) == NULL);

    CHECK_STR(tls_alert_description_name(0), "close_notify");
    CHECK_STR(tls_alert_description_name(10), "unexpected_message");
    CHECK_STR(tls_alert_description_name(20), "bad_record_mac");
    CHECK_STR(tls_alert_description_name(21), "decryption_failed");
    CHECK_STR(tls_alert_description_name(40), "handshake_failure");
    CHECK_STR(tls_alert_description_name(42), "bad_certificate");
    CHECK_STR(tls_alert_description_name(48), "unknown_ca");
    CHECK_STR(tls_alert_description_name(50), "decode_error");
    CHECK_STR(tls_alert_description_name(51), "decrypt_error");
    CHECK_STR(tls_alert_description_name(52), "too_many_cids_requested");
    CHECK_STR(tls_alert_description_name(70), "protocol_version");
    CHECK_STR(tls_alert_description_name(80), "internal_error");
    CHECK_STR(tls_alert_description_name(86), "inappropriate_fallback");
    CHECK_STR(tls_alert_description_name(90), "user_canceled");
    CHECK_STR(tls_alert_description_name(100), "no_renegotiation");
    CHECK_STR(tls_alert_description_name(109), "missing_extension");
    CHECK_STR(tls_alert_description_name(112), "unrecognized_name");
    CHECK_STR(tls_alert_description_name(115), "unknown_psk_identity");
    CHECK_STR(tls_alert_description_name(116), "certificate_required");
    CHECK_STR(tls_alert_description_name(120), "no_application_protocol");
    CHECK_STR(tls_alert_description_name(121), "ech_required");
    CHECK(tls_alert_description_name(1) == NULL);
    CHECK(tls_alert_description_name(118) == NULL);
    CHECK(tls_alert_description_name(255) == NULL);
}

static void test_misc(void)
{
    CHECK_STR(tls_cert_compression_name(1), "zlib");
    CHECK_STR(tls_cert_compression_name(2), "brotli");
    CHECK_STR(tls_cert_compression_name(3), "zstd");
    CHECK(tls_cert_compression_name(0) == NULL);
    CHECK(tls_cert_compression_name(4) == NULL);

    CHECK_STR(tls_compression_method_name(0), "null");
    CHECK_STR(tls_compression_method_name(1), "DEFLATE");
    CHECK_STR(tls_compression_method_name(64), "LZS");
    CHECK(tls_compression_method_name(2) == NULL);

    CHECK_STR(tls_client_certificate_type_name(1), "rsa_sign");
    CHECK_STR(tls_client_certificate_type_name(2), "dss_sign");
    CHECK_STR(tls_client_certificate_type_name(64), "ecdsa_sign");
    CHECK_STR(tls_client_certificate_type_name(66), "ecdsa_fixed_ecdh");
    CHECK(tls_client_certificate_type_name(0) == NULL);

    CHECK_STR(tls_certificate_status_type_name(1), "ocsp");
    CHECK_STR(tls_certificate_status_type_name(2), "ocsp_multi");
    CHECK(tls_certificate_status_type_name(0) == NULL);

    CHECK_STR(tls_name_type_name(0), "host_name");
    CHECK(tls_name_type_name(1) == NULL);

    CHECK_STR(tls_heartbeat_mode_name(1), "peer_allowed_to_send");
    CHECK_STR(tls_heartbeat_mode_name(2), "peer_not_allowed_to_send");
    CHECK(tls_heartbeat_mode_name(0) == NULL);

    CHECK_STR(tls_key_update_request_name(0), "update_not_requested");
    CHECK_STR(tls_key_update_request_name(1), "update_requested");
    CHECK(tls_key_update_request_name(2) == NULL);
}

int main(void)
{
    test_tables_sorted();
    test_grease();
    test_versions();
    test_record_and_handshake();
    test_cipher_suite_names();
    test_suite_info();
    test_kx();
    test_extensions();
    test_groups_and_signatures();
    test_alerts();
    test_misc();
    return test_report("names");
}
