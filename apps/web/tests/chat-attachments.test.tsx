import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { FileObject } from '@agentry/contracts';
import { Composer } from '@/components/chat/composer';
import { citedFiles, FileSources, MessageAttachments } from '@/components/chat/attachments';
import { UserBubble } from '@/components/chat/message-bubbles';

const stored = (id: string, filename: string, content_type: string): FileObject => ({
  id,
  filename,
  content_type,
  size_bytes: 1234,
  sha256: 'x',
  purpose: 'attachment',
  status: 'ready',
  error: null,
  chunk_count: 0,
  uploaded_by: null,
  created_at: new Date(0).toISOString(),
});

const ID_NOTES = '11111111-1111-4111-8111-111111111111';
const ID_PNG = '22222222-2222-4222-8222-222222222222';

function setup() {
  const onSend = vi.fn(async () => true);
  const uploads: { file: File; resolve: (f: FileObject) => void; reject: (e: Error) => void }[] = [];
  const upload = vi.fn(
    (file: File) =>
      new Promise<FileObject>((resolve, reject) => {
        uploads.push({ file, resolve, reject });
      }),
  );
  // happy-dom has no object URLs for blobs: a stand-in keeps previews testable.
  URL.createObjectURL = vi.fn(() => 'blob:preview');
  URL.revokeObjectURL = vi.fn();
  render(
    <Composer
      agents={[]}
      agent="triage"
      onAgentChange={() => undefined}
      busy={false}
      retryIn={0}
      onSend={onSend}
      onStop={() => undefined}
      upload={upload}
    />,
  );
  return { onSend, upload, uploads };
}

const notes = () => new File(['# Notes'], 'notes.md', { type: 'text/markdown' });
const png = () => new File([new Uint8Array([137, 80, 78, 71])], 'pixel.png', { type: 'image/png' });

describe('Composer attachments', () => {
  it('uploads picked files at once, previews them, waits for them, then sends their ids with the message', async () => {
    const { onSend, upload, uploads } = setup();
    await userEvent.upload(screen.getByTestId('attach-input'), [notes(), png()]);
    expect(upload).toHaveBeenCalledTimes(2);
    const chips = screen.getAllByTestId('pending-attachment');
    expect(chips.map((c) => c.textContent)).toEqual([
      expect.stringContaining('notes.md'),
      expect.stringContaining('pixel.png'),
    ]);
    // The image shows a thumbnail, the document a chip.
    expect(chips[1]?.querySelector('img')?.getAttribute('src')).toBe('blob:preview');
    expect(chips[0]?.querySelector('img')).toBeNull();
    await userEvent.type(screen.getByLabelText('Message'), 'Look at these');
    expect(screen.getByRole('button', { name: 'Send' })).toHaveProperty('disabled', true);
    uploads[0]?.resolve(stored(ID_NOTES, 'notes.md', 'text/markdown'));
    uploads[1]?.resolve(stored(ID_PNG, 'pixel.png', 'image/png'));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Send' })).toHaveProperty('disabled', false));
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(onSend).toHaveBeenCalledWith('Look at these', [
      { file_id: ID_NOTES, filename: 'notes.md', content_type: 'text/markdown', size_bytes: 1234 },
      { file_id: ID_PNG, filename: 'pixel.png', content_type: 'image/png', size_bytes: 1234 },
    ]);
    expect(screen.queryAllByTestId('pending-attachment')).toHaveLength(0);
  });

  it('takes dropped files, and a removed or refused file is not sent', async () => {
    const { onSend, uploads } = setup();
    fireEvent.drop(screen.getByTestId('composer'), { dataTransfer: { files: [notes(), png()] } });
    await waitFor(() => expect(uploads).toHaveLength(2));
    uploads[0]?.reject(new Error('The file could not be read.'));
    uploads[1]?.resolve(stored(ID_PNG, 'pixel.png', 'image/png'));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'The file could not be read.');
    await userEvent.click(screen.getByRole('button', { name: 'Remove pixel.png' }));
    await userEvent.type(screen.getByLabelText('Message'), 'hi{Enter}');
    expect(onSend).toHaveBeenCalledWith('hi', []);
  });
});

describe('sent attachments and citations', () => {
  const files = [
    { file_id: ID_NOTES, filename: 'notes.md', content_type: 'text/markdown', size_bytes: 10 },
    { file_id: ID_PNG, filename: 'pixel.png', content_type: 'image/png', size_bytes: 20 },
  ];

  it('a user message shows its files as links: a thumbnail for the image, a chip for the document', () => {
    render(<UserBubble text="Look" attachments={files} />);
    const items = screen.getAllByTestId('message-attachment');
    expect(items).toHaveLength(2);
    expect(
      within(items[0] as HTMLElement)
        .getByRole('link')
        .getAttribute('href'),
    ).toBe(`/bff/api/files/${ID_NOTES}/content`);
    expect(
      within(items[1] as HTMLElement)
        .getByRole('img', { name: 'pixel.png' })
        .getAttribute('src'),
    ).toBe(`/bff/api/files/${ID_PNG}/content`);
  });

  it('renders nothing without files', () => {
    const { container } = render(<MessageAttachments files={[]} />);
    expect(container.innerHTML).toBe('');
  });

  it('links the files file_search cited, once each, with their page', () => {
    const output = JSON.stringify({
      results: [
        { file_id: ID_NOTES, filename: 'handbook.pdf', page: 2, chunk_id: 'c1', text: '…' },
        { file_id: ID_NOTES, filename: 'handbook.pdf', page: 3, chunk_id: 'c2', text: '…' },
      ],
    });
    const calls = [
      { name: 'file_search', output },
      { name: 'calculator', output: '4' },
      { name: 'file_search', output: 'not json' },
    ];
    expect(citedFiles(calls)).toEqual([{ fileId: ID_NOTES, label: 'handbook.pdf, page 2' }]);
    render(<FileSources toolCalls={calls} />);
    expect(screen.getByRole('link', { name: 'handbook.pdf, page 2' }).getAttribute('href')).toBe(
      `/bff/api/files/${ID_NOTES}/content`,
    );
  });
});
