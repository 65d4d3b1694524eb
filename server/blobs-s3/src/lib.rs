//! Blobs on an S3-compatible object store, for servers that outgrow one
//! disk or run as several processes on several machines: the same
//! [`BlobStore`] contract as the local folder — resumable uploads, verified
//! against the hash before they are stored, never overwritten with other
//! bytes, read back verified.
//!
//! Layout under the configured prefix: `blobs/<hash>` for stored blobs and
//! `partial/<hash>.<device>/<offset>` for the chunks of an upload in
//! progress (offsets zero-padded, so they list in order). Chunks are
//! separate objects because S3 cannot append; the last chunk's request
//! reads them back, verifies the whole and stores it as one object. An
//! acknowledged put is durable as the store promises it (Garage: with
//! `data_fsync` and `metadata_fsync` on).

use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt};
use redline_blobs::{BlobStore, ListPage, StoredBlob};
use redline_domain::blob::BlobHash;

/// Where the store is and who the server is to it.
#[derive(Clone, Debug)]
pub struct S3Config {
    /// `http(s)://host:port` of the S3 API.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Key prefix inside the bucket ("" for none): several servers or test
    /// runs may share a bucket under different prefixes.
    pub prefix: String,
}

pub struct S3BlobStore {
    store: AmazonS3,
    prefix: String,
}

/// Objects listed per page.
const PAGE: usize = 1000;

fn io(e: object_store::Error) -> std::io::Error {
    std::io::Error::other(e)
}

fn not_found(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::NotFound { .. })
}

impl S3BlobStore {
    pub fn open(config: &S3Config) -> std::io::Result<S3BlobStore> {
        // reqwest's TLS runs on ring, as the rest of the workspace's does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = AmazonS3Builder::new()
            .with_endpoint(&config.endpoint)
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_virtual_hosted_style_request(false)
            .with_client_options(ClientOptions::new().with_allow_http(config.endpoint.starts_with("http://")))
            .build()
            .map_err(io)?;
        let prefix = config.prefix.trim_matches('/').to_string();
        Ok(S3BlobStore { store, prefix })
    }

    fn key(&self, rest: &str) -> Path {
        if self.prefix.is_empty() { Path::from(rest) } else { Path::from(format!("{}/{rest}", self.prefix)) }
    }

    fn blob_key(&self, hash: &BlobHash) -> Path {
        self.key(&format!("blobs/{hash}"))
    }

    fn upload_dir(&self, hash: &BlobHash, uploader: &str) -> Path {
        let who: String = uploader.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        self.key(&format!("partial/{hash}.{who}"))
    }

    /// The chunks of an upload in offset order, with their offsets.
    async fn chunks(&self, dir: &Path) -> std::io::Result<Vec<(u64, object_store::ObjectMeta)>> {
        let mut chunks = vec![];
        let mut listing = self.store.list(Some(dir));
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(io)?;
            let Some(offset) = meta.location.filename().and_then(|n| n.parse::<u64>().ok()) else { continue };
            chunks.push((offset, meta));
        }
        chunks.sort_by_key(|(offset, _)| *offset);
        Ok(chunks)
    }

    /// The upload's bytes when its chunks follow one another from 0.
    async fn assemble(&self, chunks: &[(u64, object_store::ObjectMeta)]) -> std::io::Result<Option<Vec<u8>>> {
        let mut bytes = vec![];
        for (offset, meta) in chunks {
            if *offset != bytes.len() as u64 {
                return Ok(None);
            }
            bytes.extend_from_slice(&self.store.get(&meta.location).await.map_err(io)?.bytes().await.map_err(io)?);
        }
        Ok(Some(bytes))
    }

    async fn delete_all(&self, chunks: &[(u64, object_store::ObjectMeta)]) -> std::io::Result<()> {
        for (_, meta) in chunks {
            match self.store.delete(&meta.location).await {
                Err(e) if !not_found(&e) => return Err(io(e)),
                _ => {}
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl BlobStore for S3BlobStore {
    async fn get(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        let bytes = match self.store.get(&self.blob_key(hash)).await {
            Ok(got) => got.bytes().await.map_err(io)?,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        if !hash.matches(&bytes) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("stored object of blob {hash} does not match its hash"),
            ));
        }
        Ok(Some(bytes.to_vec()))
    }

    async fn exists(&self, hash: &BlobHash) -> bool {
        self.store.head(&self.blob_key(hash)).await.is_ok()
    }

    async fn partial_len(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<u64> {
        Ok(self.chunks(&self.upload_dir(hash, uploader)).await?.iter().map(|(_, m)| m.size).sum())
    }

    async fn append(&self, hash: &BlobHash, uploader: &str, bytes: &[u8]) -> std::io::Result<u64> {
        let dir = self.upload_dir(hash, uploader);
        let have = self.partial_len(hash, uploader).await?;
        let chunk = Path::from(format!("{dir}/{have:020}"));
        self.store.put(&chunk, bytes.to_vec().into()).await.map_err(io)?;
        Ok(have + bytes.len() as u64)
    }

    async fn finish(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<bool> {
        let chunks = self.chunks(&self.upload_dir(hash, uploader)).await?;
        let whole = self.assemble(&chunks).await?;
        let verified = whole.filter(|bytes| hash.matches(bytes));
        if let Some(bytes) = &verified
            && !self.exists(hash).await
        {
            // Two devices finishing the same blob at once both write the
            // same verified bytes: the object is never other bytes.
            self.store.put(&self.blob_key(hash), bytes.clone().into()).await.map_err(io)?;
        }
        self.delete_all(&chunks).await?;
        Ok(verified.is_some())
    }

    async fn list(&self, from: Option<String>) -> std::io::Result<ListPage> {
        let dir = self.key("blobs");
        let mut listing = match &from {
            Some(after) => self.store.list_with_offset(Some(&dir), &Path::from(after.as_str())),
            None => self.store.list(Some(&dir)),
        };
        let (mut blobs, mut last) = (vec![], None);
        while blobs.len() < PAGE {
            let Some(meta) = listing.next().await else {
                return Ok(ListPage { blobs, next: None });
            };
            let meta = meta.map_err(io)?;
            last = Some(meta.location.to_string());
            if let Some(hash) = meta.location.filename().and_then(BlobHash::parse) {
                blobs.push(StoredBlob { hash, modified: meta.last_modified.timestamp() });
            }
        }
        Ok(ListPage { blobs, next: last })
    }

    async fn delete(&self, hash: &BlobHash) -> std::io::Result<()> {
        match self.store.delete(&self.blob_key(hash)).await {
            Err(e) if !not_found(&e) => Err(io(e)),
            _ => Ok(()),
        }
    }

    async fn drop_partials(&self, before: i64) -> std::io::Result<usize> {
        // An upload is abandoned when its newest chunk is older than the
        // cutoff; its chunks go together.
        let mut newest: std::collections::BTreeMap<String, (i64, Vec<Path>)> = Default::default();
        let mut listing = self.store.list(Some(&self.key("partial")));
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(io)?;
            let upload = meta.location.to_string().rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
            let entry = newest.entry(upload).or_insert((i64::MIN, vec![]));
            entry.0 = entry.0.max(meta.last_modified.timestamp());
            entry.1.push(meta.location);
        }
        let mut dropped = 0;
        for (_, (at, chunks)) in newest {
            if at >= before {
                continue;
            }
            for chunk in chunks {
                match self.store.delete(&chunk).await {
                    Err(e) if !not_found(&e) => return Err(io(e)),
                    _ => {}
                }
            }
            dropped += 1;
        }
        Ok(dropped)
    }
}
