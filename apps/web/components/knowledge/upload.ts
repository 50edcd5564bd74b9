import type { FileObject, FilePurpose, Problem } from '@agentry/contracts';

/**
 * Uploads one file through the BFF with XMLHttpRequest (fetch cannot report upload progress):
 * `onProgress` gets 0..1 as the bytes leave the browser. Resolves with the stored file, rejects with
 * the problem's detail. `purpose`: `knowledge` (the Knowledge page) or `attachment` (the chat composer).
 */
export function uploadFile(
  file: File,
  onProgress: (fraction: number) => void,
  purpose: FilePurpose = 'knowledge',
): Promise<FileObject> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('purpose', purpose);
    form.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/bff/api/files');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 201) {
        onProgress(1);
        resolve(body as FileObject);
      } else {
        const problem = body as Partial<Problem> | null;
        reject(new Error(problem?.detail ?? problem?.title ?? `Upload failed (${xhr.status}).`));
      }
    };
    xhr.onerror = () => reject(new Error('Network error'));
    xhr.send(form);
  });
}
