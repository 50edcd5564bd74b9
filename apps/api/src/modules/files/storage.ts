import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createRequire } from 'node:module';
import type { S3Client } from '@aws-sdk/client-s3';

// The AWS SDK (CommonJS) is loaded when S3 storage is constructed, not at import: a start with
// local storage never pays for it (about a third of a second of CPU).
const require = createRequire(import.meta.url);
const s3Sdk = () => require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');

export interface StoredObjectInfo {
  key: string;
  lastModified: Date;
}

/**
 * Where file bytes live (API.md "Files and knowledge", `STORAGE_DRIVER`). Objects are keyed
 * `<tenant>/<file id>`; bytes stream in and out, never whole in memory (S3 parts are 5 MiB).
 */
export interface ObjectStorage {
  readonly driver: 'local' | 's3';
  put(key: string, body: Readable): Promise<void>;
  get(key: string): Promise<Readable>;
  /** Idempotent: a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Every stored object (the cleanup job compares them with the rows). */
  list(): AsyncIterable<StoredObjectInfo>;
}

const KEY = /^[0-9a-f-]{36}\/[0-9a-f-]{36}$/;
function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`invalid object key ${key}`);
  return key;
}

/** Local disk under `DATA_DIR/files`: written to a temporary name, renamed when complete. */
export class LocalObjectStorage implements ObjectStorage {
  readonly driver = 'local' as const;
  constructor(private readonly root: string) {}

  private pathOf(key: string) {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, body: Readable): Promise<void> {
    const target = this.pathOf(key);
    // 0700: uploads are tenants' data; DATA_DIR itself is created private if it does not exist yet.
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const tmp = path.join(this.root, '.tmp', randomUUID());
    await fs.mkdir(path.dirname(tmp), { recursive: true, mode: 0o700 });
    try {
      await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    const p = this.pathOf(key);
    await fs.access(p);
    return createReadStream(p);
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async *list(): AsyncIterable<StoredObjectInfo> {
    let tenants: string[];
    try {
      tenants = await fs.readdir(this.root);
    } catch {
      return;
    }
    for (const tenant of tenants) {
      if (tenant === '.tmp') continue;
      let names: string[];
      try {
        names = await fs.readdir(path.join(this.root, tenant));
      } catch {
        continue;
      }
      for (const name of names) {
        const key = `${tenant}/${name}`;
        if (!KEY.test(key)) continue;
        const stat = await fs.stat(path.join(this.root, tenant, name)).catch(() => null);
        if (stat?.isFile()) yield { key, lastModified: stat.mtime };
      }
    }
  }
}

const PART = 5 * 1024 * 1024;

export interface S3Settings {
  bucket: string;
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/** S3-compatible storage (`@aws-sdk/client-s3`; path-style for MinIO and friends). */
export class S3ObjectStorage implements ObjectStorage {
  readonly driver = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly sdk = s3Sdk();

  constructor(settings: S3Settings) {
    this.bucket = settings.bucket;
    this.client = new this.sdk.S3Client({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      forcePathStyle: settings.forcePathStyle,
      ...(settings.accessKeyId && settings.secretAccessKey
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
        : {}),
    });
  }

  /** Small objects in one PUT; larger ones as a multipart upload of 5 MiB parts (memory stays bounded). */
  async put(key: string, body: Readable): Promise<void> {
    checkKey(key);
    let buffered: Buffer[] = [];
    let size = 0;
    let uploadId: string | undefined;
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    const flush = async () => {
      const data = Buffer.concat(buffered);
      buffered = [];
      size = 0;
      if (!uploadId) {
        const created = await this.client.send(
          new this.sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }),
        );
        uploadId = created.UploadId;
      }
      const PartNumber = parts.length + 1;
      const res = await this.client.send(
        new this.sdk.UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber, Body: data }),
      );
      parts.push({ ETag: res.ETag, PartNumber });
    };
    try {
      for await (const chunk of body) {
        buffered.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size >= PART) await flush();
      }
      if (!uploadId) {
        const data = Buffer.concat(buffered);
        await this.client.send(
          new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentLength: data.length }),
        );
        return;
      }
      if (size > 0) await flush();
      await this.client.send(
        new this.sdk.CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      if (uploadId)
        await this.client
          .send(new this.sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
          .catch(() => {});
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    const res = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }));
    return res.Body as Readable;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }));
  }

  async *list(): AsyncIterable<StoredObjectInfo> {
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, ContinuationToken: token, MaxKeys: 1000 }),
      );
      for (const o of res.Contents ?? [])
        if (o.Key && KEY.test(o.Key)) yield { key: o.Key, lastModified: o.LastModified ?? new Date(0) };
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  close() {
    this.client.destroy();
  }
}

export function createObjectStorage(settings: {
  driver: 'local' | 's3';
  dir: string;
  s3: Omit<S3Settings, 'bucket'> & { bucket?: string | undefined };
}): ObjectStorage {
  if (settings.driver === 's3') {
    if (!settings.s3.bucket) throw new Error('S3_BUCKET is required when STORAGE_DRIVER=s3');
    return new S3ObjectStorage({ ...settings.s3, bucket: settings.s3.bucket });
  }
  return new LocalObjectStorage(settings.dir);
}

export { Readable };
