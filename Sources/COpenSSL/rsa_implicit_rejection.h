#ifndef UKEY_RSA_IMPLICIT_REJECTION_H
#define UKEY_RSA_IMPLICIT_REJECTION_H
/*
 * RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2) with implicit rejection, for a plaintext of a
 * fixed, expected length L: the answer is always L bytes, the message when the padding is valid
 * and the message is exactly L bytes long, otherwise a synthetic message that only the private
 * key and the cryptogram determine. Nothing the caller sees (result, length, timing) depends on
 * the padding, so the decryption is no Bleichenbacher oracle. The idea is that of
 * draft-irtf-cfrg-rsa-guidance ("Implicit rejection") and OpenSSL 3.2's
 * ossl_rsa_padding_check_PKCS1_type_2; the OpenSSL 3.0 we link lacks it, and a fixed L makes a
 * valid padding of the wrong length indistinguishable from a bad one as well.
 *
 * SwiftPM's system-library targets compile no C files, so the functions are `static inline`:
 * clang compiles them into each Swift module that calls them.
 *
 * Secret data (d, the encoded message EM, the key derivation key, the synthetic message, the
 * validity mask) never decides a branch, a loop bound or a memory index; only public values do
 * (k, L, and whether the cryptogram is below n). Every buffer that held secret data is cleansed.
 */
#include <stddef.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

/* Results of ukey_rsa_pkcs1_decrypt_implicit_rejection. */
#define UKEY_IR_OK 1
#define UKEY_IR_INVALID_INPUT 0
#define UKEY_IR_INTERNAL_ERROR (-1)

/* All ones when the top bit of a is set, else 0. */
static inline unsigned int ukey_ct_msb(unsigned int a) { return 0u - (a >> (sizeof(a) * 8 - 1)); }

/* All ones when a == 0, else 0 (no branch). */
static inline unsigned int ukey_ct_is_zero(unsigned int a) { return ukey_ct_msb(~a & (a - 1u)); }

/* All ones when a == b, else 0 (no branch). */
static inline unsigned int ukey_ct_eq(unsigned int a, unsigned int b) { return ukey_ct_is_zero(a ^ b); }

/*
 * The PRF of draft-irtf-cfrg-rsa-guidance §7.1 (also OpenSSL 3.2's ossl_rsa_prf): the first
 * `length` bytes of HMAC-SHA256(key, I ‖ label ‖ bitLength) for I = 0, 1, 2, … where I and
 * bitLength (= 8 × length) are 2-byte big-endian. Returns 1, or 0 when HMAC fails.
 */
static inline int ukey_ir_prf(const unsigned char key[32], const char *label, unsigned char *out, size_t length)
{
    unsigned char input[2 + 32 + 2];
    unsigned char block[32];
    unsigned int blockLength = 0;
    size_t labelLength = strlen(label);
    size_t bits = length * 8;
    size_t done = 0;
    unsigned int counter = 0;
    int ok = 1;

    if (labelLength > 32 || bits > 0xFFFF) return 0;
    memcpy(input + 2, label, labelLength);
    input[2 + labelLength] = (unsigned char)(bits >> 8);
    input[3 + labelLength] = (unsigned char)bits;
    while (done < length) {
        size_t take = length - done < sizeof(block) ? length - done : sizeof(block);
        input[0] = (unsigned char)(counter >> 8);
        input[1] = (unsigned char)counter;
        if (HMAC(EVP_sha256(), key, 32, input, 4 + labelLength, block, &blockLength) == NULL || blockLength != 32) {
            ok = 0;
            break;
        }
        memcpy(out + done, block, take);
        done += take;
        counter++;
    }
    OPENSSL_cleanse(block, sizeof(block));
    return ok;
}

/*
 * All ones when EM = 00 ‖ 02 ‖ PS ‖ 00 ‖ M with PS non-zero and M exactly `length` bytes, else 0.
 * The separator's position k − length − 1 is public; PS has at least 8 bytes because the caller
 * checked length ≤ k − 11. Every byte is looked at whatever the earlier ones were.
 */
static inline unsigned int ukey_ir_padding_mask(const unsigned char *em, size_t k, size_t length)
{
    size_t separator = k - length - 1;
    unsigned int good = ukey_ct_is_zero(em[0]) & ukey_ct_eq(em[1], 2);
    for (size_t i = 2; i < separator; i++) good &= ~ukey_ct_is_zero(em[i]);
    good &= ukey_ct_is_zero(em[separator]);
    return good;
}

/*
 * Decrypts a k-byte cryptogram with an RSA private key into exactly `length` bytes at `out`
 * (implicit rejection, see above). 1 ≤ length ≤ k − 11 and cryptogramLength = k, else
 * UKEY_IR_INVALID_INPUT (public lengths only). A cryptogram at or above n gets the synthetic
 * message too. Returns UKEY_IR_OK for every cryptogram; UKEY_IR_INTERNAL_ERROR only when OpenSSL
 * itself fails (memory, a missing key parameter), and then `out` is zeroed.
 *
 * Synthetic message: KDK = HMAC-SHA256(key = SHA-256(d as k big-endian bytes), cryptogram);
 * synthetic = PRF(KDK, "message", length). The corresponding C functions are EVP_PKEY_decrypt
 * with RSA_NO_PADDING (the raw private operation, blinded and constant-time in OpenSSL),
 * EVP_PKEY_get_bn_param, EVP_Digest and HMAC.
 */
static inline int ukey_rsa_pkcs1_decrypt_implicit_rejection(EVP_PKEY *key, const unsigned char *cryptogram,
                                                            size_t cryptogramLength, unsigned char *out, size_t length)
{
    int size = EVP_PKEY_get_size(key);
    size_t k = size > 0 ? (size_t)size : 0;
    int result = UKEY_IR_INTERNAL_ERROR;
    BIGNUM *n = NULL, *d = NULL, *c = NULL;
    EVP_PKEY_CTX *context = NULL;
    unsigned char *em = NULL, *dBytes = NULL, *synthetic = NULL;
    unsigned char dHash[32], kdk[32];
    unsigned int digestLength = 0;
    unsigned int good = 0;
    unsigned char mask;
    int inRange;

    if (k < 11 || cryptogramLength != k || length < 1 || length > k - 11) return UKEY_IR_INVALID_INPUT;
    em = OPENSSL_zalloc(k);
    dBytes = OPENSSL_zalloc(k);
    synthetic = OPENSSL_zalloc(length);
    if (em == NULL || dBytes == NULL || synthetic == NULL) goto done;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1
        || EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_D, &d) != 1) goto done;
    BN_set_flags(d, BN_FLG_CONSTTIME);
    if ((c = BN_bin2bn(cryptogram, (int)k, NULL)) == NULL) goto done;
    inRange = BN_cmp(c, n) < 0;    /* public: n and the cryptogram are both known to the sender */

    /* The synthetic message, always computed. */
    if (BN_bn2binpad(d, dBytes, (int)k) != (int)k
        || EVP_Digest(dBytes, k, dHash, &digestLength, EVP_sha256(), NULL) != 1 || digestLength != 32
        || HMAC(EVP_sha256(), dHash, 32, cryptogram, k, kdk, &digestLength) == NULL || digestLength != 32
        || !ukey_ir_prf(kdk, "message", synthetic, length)) goto done;

    /* EM = c^d mod n, and whether it is a valid padding of a `length`-byte message. */
    if (inRange) {
        size_t emLength = k;
        if ((context = EVP_PKEY_CTX_new(key, NULL)) == NULL
            || EVP_PKEY_decrypt_init(context) != 1
            || EVP_PKEY_CTX_set_rsa_padding(context, RSA_NO_PADDING) != 1
            || EVP_PKEY_decrypt(context, em, &emLength, cryptogram, k) != 1
            || emLength != k) goto done;
        good = ukey_ir_padding_mask(em, k, length);
    }

    /* The message or the synthetic one, byte by byte with the mask. */
    mask = (unsigned char)good;
    for (size_t i = 0; i < length; i++) {
        out[i] = (unsigned char)((em[k - length + i] & mask) | (synthetic[i] & (unsigned char)~mask));
    }
    result = UKEY_IR_OK;

done:
    if (result != UKEY_IR_OK) OPENSSL_cleanse(out, length);
    OPENSSL_clear_free(em, k);
    OPENSSL_clear_free(dBytes, k);
    OPENSSL_clear_free(synthetic, length);
    OPENSSL_cleanse(dHash, sizeof(dHash));
    OPENSSL_cleanse(kdk, sizeof(kdk));
    EVP_PKEY_CTX_free(context);
    BN_clear_free(d);
    BN_free(n);
    BN_free(c);
    return result;
}

#endif
