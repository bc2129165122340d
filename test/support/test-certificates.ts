import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate and its key, as files and as PEM text. */
export interface CertificatePair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/** A throwaway PKI: one trusted CA with a server and a client certificate, and an untrusted CA. */
export interface TestPki {
  readonly caFile: string;
  readonly ca: string;
  /** For `localhost` and `127.0.0.1`, signed by the CA, extended key usage serverAuth. */
  readonly server: CertificatePair;
  /** Signed by the CA, extended key usage clientAuth (which Agones requires). */
  readonly client: CertificatePair;
  /** A client certificate signed by another CA, which servers must refuse. */
  readonly untrustedClient: CertificatePair;
  /** Deletes the files. */
  remove(): void;
}

function openssl(directory: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: directory, stdio: "pipe" });
}

/** P-256 keys: a few milliseconds each, where RSA keys would slow the suite down. */
const newKeyArgs = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function createCa(directory: string, name: string): void {
  openssl(directory, [
    "req", "-x509", ...newKeyArgs, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "1",
    "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

function createLeaf(directory: string, name: string, ca: string, extensions: string): CertificatePair {
  writeFileSync(join(directory, `${name}.ext`), extensions);
  openssl(directory, ["req", ...newKeyArgs, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
  openssl(directory, [
    "x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-set_serial",
    String(Date.now()), "-days", "1", "-out", `${name}.crt`, "-extfile", `${name}.ext`,
  ]);
  const certFile = join(directory, `${name}.crt`);
  const keyFile = join(directory, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

/** Creates the PKI with the `openssl` command in a fresh temporary directory. */
export function createTestPki(): TestPki {
  const directory = mkdtempSync(join(tmpdir(), "matchmaker-pki-"));
  createCa(directory, "trusted-ca");
  createCa(directory, "untrusted-ca");
  const server = createLeaf(
    directory,
    "server",
    "trusted-ca",
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
  );
  const client = createLeaf(directory, "client", "trusted-ca", "extendedKeyUsage=clientAuth\n");
  const untrustedClient = createLeaf(directory, "untrusted-client", "untrusted-ca", "extendedKeyUsage=clientAuth\n");
  const caFile = join(directory, "trusted-ca.crt");
  return {
    caFile,
    ca: readFileSync(caFile, "utf8"),
    server,
    client,
    untrustedClient,
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
