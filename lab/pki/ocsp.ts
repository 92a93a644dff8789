// OCSP as a client that checks revocation does it (RFC 6960): a request for one certificate, identified by
// its issuer's name and key hashes and its serial; the responder's answer verified with the issuer's key
// (Vault signs OCSP responses with the issuing CA itself) and read for that certificate's status.
import { createHash, verify, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';

export type OcspStatus = 'good' | 'revoked' | 'unknown';

const SHA1 = '1.3.14.3.2.26';
const BASIC_RESPONSE = '1.3.6.1.5.5.7.48.1.1';
/** Signature algorithms a responder may use, by OID: the hash node's verify takes. */
const SIGNATURE_HASH: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
};

function der(block: asn1js.AsnType): Buffer {
  return Buffer.from(block.toBER(false));
}

function parse(data: ArrayBuffer | Uint8Array, what: string): asn1js.AsnType {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const { result, offset } = asn1js.fromBER(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  if (offset === -1) throw new Error(`${what} is not DER`);
  return result;
}

/** The issuer's subjectPublicKey bits, what issuerKeyHash hashes (not the whole SubjectPublicKeyInfo). */
function subjectPublicKeyBits(issuer: X509Certificate): Buffer {
  const spki = parse(issuer.publicKey.export({ type: 'spki', format: 'der' }), 'the issuer\'s public key') as asn1js.Sequence;
  return Buffer.from((spki.valueBlock.value[1] as asn1js.BitString).valueBlock.valueHexView);
}

/** The issuer's subject Name as DER, what issuerNameHash hashes. */
function subjectNameDer(issuer: X509Certificate): Buffer {
  const cert = parse(issuer.raw, 'the issuer certificate') as asn1js.Sequence;
  const tbs = cert.valueBlock.value[0] as asn1js.Sequence;
  // tbsCertificate: [0] version, serial, signature, issuer, validity, subject, ...
  const fields = tbs.valueBlock.value;
  const offset = fields[0]!.idBlock.tagClass === 3 ? 1 : 0;
  return der(fields[offset + 4]!);
}

/** A serial's bytes as a positive DER INTEGER: a leading zero when the high bit is set. */
function serialBytes(hex: string): Buffer {
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  return bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

function certId(leaf: X509Certificate, issuer: X509Certificate): asn1js.Sequence {
  const sha1 = (b: Buffer) => new asn1js.OctetString({ valueHex: createHash('sha1').update(b).digest() });
  return new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: SHA1 }), new asn1js.Null()] }),
      sha1(subjectNameDer(issuer)),
      sha1(subjectPublicKeyBits(issuer)),
      new asn1js.Integer({ valueHex: serialBytes(leaf.serialNumber) }),
    ],
  });
}

/** DER of an OCSPRequest for `leaf`, issued by `issuer` (no nonce, no signature). Pure. */
export function ocspRequest(leaf: X509Certificate, issuer: X509Certificate): Buffer {
  const request = new asn1js.Sequence({ value: [certId(leaf, issuer)] });
  const tbsRequest = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [request] })] });
  return der(new asn1js.Sequence({ value: [tbsRequest] }));
}

export interface OcspAnswer {
  status: OcspStatus;
  /** When revoked: the revocation time the responder gives. */
  revokedAt?: Date;
  thisUpdate: Date;
}

/**
 * Reads an OCSPResponse for `leaf`: the response must be successful, signed by `issuer` and about that
 * serial; anything else is an error, never a status. Pure.
 */
export function parseOcspResponse(data: Buffer, leaf: X509Certificate, issuer: X509Certificate): OcspAnswer {
  const response = parse(data, 'the OCSP response') as asn1js.Sequence;
  const status = (response.valueBlock.value[0] as asn1js.Enumerated).valueBlock.valueDec;
  if (status !== 0) throw new Error(`the OCSP responder answered with status ${status} (not successful)`);
  const bytes = (response.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
  const type = (bytes.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
  if (type !== BASIC_RESPONSE) throw new Error(`the OCSP response is of type ${type}, not a basic response`);
  const basic = parse((bytes.valueBlock.value[1] as asn1js.OctetString).valueBlock.valueHexView, 'the basic OCSP response') as asn1js.Sequence;
  const [tbs, algorithm, signature] = basic.valueBlock.value as [asn1js.Sequence, asn1js.Sequence, asn1js.BitString];
  const oid = (algorithm.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
  const hash = SIGNATURE_HASH[oid];
  if (!hash) throw new Error(`the OCSP response is signed with ${oid}, which this client does not know`);
  if (!verify(hash, Buffer.from(tbs.valueBeforeDecodeView), issuer.publicKey, Buffer.from(signature.valueBlock.valueHexView))) {
    throw new Error(`the OCSP response is not signed by ${issuer.subject.replace(/\n/g, ', ')}`);
  }
  // ResponseData: [0] version (optional), responderID ([1] or [2]), producedAt, responses, [1] extensions.
  const fields = tbs.valueBlock.value.filter((f) => !(f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0));
  const responses = (fields[2] as asn1js.Sequence).valueBlock.value as asn1js.Sequence[];
  // The same issuer key and serial; the hash algorithm's parameters may be encoded either way (NULL or absent).
  const idFields = (id: asn1js.AsnType) => (id as asn1js.Sequence).valueBlock.value.slice(2).map((f) => der(f).toString('hex')).join();
  const wanted = idFields(certId(leaf, issuer));
  const single = responses.find((r) => idFields(r.valueBlock.value[0]!) === wanted);
  if (!single) throw new Error(`the OCSP response says nothing about serial ${leaf.serialNumber}`);
  const [, certStatus, thisUpdate] = single.valueBlock.value as [asn1js.AsnType, asn1js.Constructed, asn1js.GeneralizedTime];
  const tag = certStatus.idBlock.tagNumber;
  const answer: OcspAnswer = { status: tag === 0 ? 'good' : tag === 1 ? 'revoked' : 'unknown', thisUpdate: thisUpdate.toDate() };
  if (tag === 1) {
    const revokedAt = certStatus.valueBlock.value?.[0] as asn1js.GeneralizedTime | undefined;
    if (revokedAt) answer.revokedAt = revokedAt.toDate();
  }
  return answer;
}
