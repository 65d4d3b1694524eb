//! Blobs in a local folder, the default: the same durable, content-addressed
//! [`BlobFolder`] the phone keeps (`ab/abcdef…`), plus a `partial` folder of
//! uploads in progress, one file per (blob, device), so uploads resume.

use crate::{BlobStore, ListPage, StoredBlob, unix_secs};
use redline_domain::blob::{BlobFolder, BlobHash};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct FsBlobStore {
    folder: Arc<BlobFolder>,
    partial: PathBuf,
}

impl FsBlobStore {
    pub fn open(root: PathBuf) -> std::io::Result<FsBlobStore> {
        let partial = root.join("partial");
        std::fs::create_dir_all(&partial)?;
        let folder = BlobFolder::open(root).map_err(std::io::Error::other)?;
        Ok(FsBlobStore { folder: Arc::new(folder), partial })
    }

    fn partial_path(&self, hash: &BlobHash, uploader: &str) -> PathBuf {
        let who: String = uploader.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        self.partial.join(format!("{hash}.{who}"))
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> std::io::Result<T> + Send + 'static) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(std::io::Error::other)?
}

/// The folder's errors as I/O errors (a mismatch there is data damage).
fn folder_io(e: redline_domain::Error) -> std::io::Error {
    match e {
        redline_domain::Error::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    }
}

/// The fan-out folders (`00`…`ff`) in order, starting at `from`.
fn shards_from(root: &Path, from: Option<&str>) -> std::io::Result<Vec<String>> {
    let mut shards: Vec<String> = std::fs::read_dir(root)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .filter(|n| from.is_none_or(|f| n.as_str() >= f))
        .collect();
    shards.sort();
    Ok(shards)
}

/// One fan-out folder's blobs: a page is a folder (1/256 of the store).
fn list_shard(root: &Path, from: Option<String>) -> std::io::Result<ListPage> {
    let shards = shards_from(root, from.as_deref())?;
    let Some(shard) = shards.first() else { return Ok(ListPage::default()) };
    let mut blobs = vec![];
    for entry in std::fs::read_dir(root.join(shard))? {
        let entry = entry?;
        let Some(hash) = entry.file_name().to_str().and_then(BlobHash::parse) else { continue };
        blobs.push(StoredBlob { hash, modified: unix_secs(entry.metadata()?.modified()?) });
    }
    Ok(ListPage { blobs, next: shards.get(1).cloned() })
}

/// Removes a file and makes the removal durable (the folder synced).
fn remove_durably(path: &Path) -> std::io::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    }
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(true)
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    async fn get(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        let (folder, hash) = (self.folder.clone(), hash.clone());
        blocking(move || match folder.get(&hash) {
            Ok(b) => Ok(Some(b)),
            Err(redline_domain::Error::NotFound(_)) => Ok(None),
            Err(e) => Err(folder_io(e)),
        })
        .await
    }

    async fn exists(&self, hash: &BlobHash) -> bool {
        tokio::fs::metadata(self.folder.path_of(hash)).await.is_ok()
    }

    async fn partial_len(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<u64> {
        match tokio::fs::metadata(self.partial_path(hash, uploader)).await {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    async fn append(&self, hash: &BlobHash, uploader: &str, bytes: &[u8]) -> std::io::Result<u64> {
        let path = self.partial_path(hash, uploader);
        let bytes = bytes.to_vec();
        blocking(move || {
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
            f.write_all(&bytes)?;
            f.sync_data()?;
            Ok(f.metadata()?.len())
        })
        .await
    }

    async fn finish(&self, hash: &BlobHash, uploader: &str) -> std::io::Result<bool> {
        let (folder, partial, hash) = (self.folder.clone(), self.partial_path(hash, uploader), hash.clone());
        blocking(move || folder.install(&partial, &hash).map_err(folder_io)).await
    }

    async fn list(&self, from: Option<String>) -> std::io::Result<ListPage> {
        let root = self.folder.root().to_path_buf();
        blocking(move || list_shard(&root, from)).await
    }

    async fn delete(&self, hash: &BlobHash) -> std::io::Result<()> {
        let path = self.folder.path_of(hash);
        blocking(move || remove_durably(&path).map(|_| ())).await
    }

    async fn drop_partials(&self, before: i64) -> std::io::Result<usize> {
        let dir = self.partial.clone();
        blocking(move || {
            let mut dropped = 0;
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                if unix_secs(entry.metadata()?.modified()?) < before && remove_durably(&entry.path())? {
                    dropped += 1;
                }
            }
            Ok(dropped)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lists_every_blob_page_by_page_and_deletes_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path().to_path_buf()).unwrap();
        let mut hashes = vec![];
        for n in 0..40u32 {
            let bytes = n.to_le_bytes();
            let hash = BlobHash::of(&bytes);
            store.append(&hash, "dev-1", &bytes).await.unwrap();
            assert!(store.finish(&hash, "dev-1").await.unwrap());
            hashes.push(hash);
        }
        let (mut seen, mut from) = (vec![], None);
        loop {
            let page = store.list(from).await.unwrap();
            seen.extend(page.blobs.into_iter().map(|b| b.hash));
            from = page.next;
            if from.is_none() {
                break;
            }
        }
        seen.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        hashes.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        assert_eq!(seen, hashes, "the partial and tmp folders are not blobs");
        store.delete(&hashes[0]).await.unwrap();
        store.delete(&hashes[0]).await.unwrap();
        assert!(!store.exists(&hashes[0]).await);
        assert!(store.exists(&hashes[1]).await);
    }

    #[tokio::test]
    async fn only_partials_older_than_the_cutoff_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path().to_path_buf()).unwrap();
        let hash = BlobHash::of(b"whole photo");
        store.append(&hash, "dev-1", b"whole").await.unwrap();
        assert_eq!(store.drop_partials(crate::now_secs() - 60).await.unwrap(), 0, "a minute-old cutoff keeps a fresh upload");
        assert_eq!(store.partial_len(&hash, "dev-1").await.unwrap(), 5);
        assert_eq!(store.drop_partials(crate::now_secs() + 60).await.unwrap(), 1);
        assert_eq!(store.partial_len(&hash, "dev-1").await.unwrap(), 0);
    }
}
