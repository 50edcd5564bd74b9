'use client';
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { Message } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toaster';

type Rating = 'up' | 'down';

/** Thumbs up / down on an answer; thumbs down asks for an optional comment. Clicking again removes it. */
export function FeedbackButtons({ conversationId, message }: { conversationId: string; message: Message }) {
  const toast = useToast();
  const [current, setCurrent] = useState(message.feedback ?? null);
  const [asking, setAsking] = useState(false);
  const [comment, setComment] = useState('');
  const params = { id: conversationId, message_id: message.id };
  const save = useMutation({
    mutationFn: (input: { rating: Rating; comment?: string } | null) =>
      input
        ? api.put('/conversations/:id/messages/:message_id/feedback', { params, body: input })
        : api.delete('/conversations/:id/messages/:message_id/feedback', { params }).then(() => null),
    onSuccess: (saved) => {
      setCurrent(saved ? { rating: saved.rating, comment: saved.comment } : null);
      setAsking(false);
      setComment('');
      if (saved) toast('Thanks for the feedback.', 'success');
    },
    onError: (error) => toast(describeError(error), 'error'),
  });

  const rate = (rating: Rating) => {
    if (current?.rating === rating) save.mutate(null);
    else if (rating === 'down') setAsking(true);
    else save.mutate({ rating });
  };
  const thumb = (rating: Rating, label: string) => (
    <button
      type="button"
      aria-label={label}
      aria-pressed={current?.rating === rating}
      onClick={() => rate(rating)}
      disabled={save.isPending}
      className={`rounded p-1 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800 ${current?.rating === rating ? 'text-brand-600' : 'text-zinc-500'}`}
    >
      <ThumbIcon down={rating === 'down'} />
    </button>
  );

  return (
    <div className="mt-1">
      <div className="flex items-center gap-1">
        {thumb('up', 'Good answer')}
        {thumb('down', 'Bad answer')}
        {current?.comment && <span className="text-xs text-zinc-500">“{current.comment}”</span>}
      </div>
      {asking && (
        <form
          className="mt-2 flex gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate({ rating: 'down', comment: comment.trim() || undefined });
          }}
        >
          <input
            aria-label="What was wrong?"
            placeholder="What was wrong? (optional)"
            maxLength={2000}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            className="min-w-0 flex-1 rounded-lg border border-zinc-300 bg-white px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
          <Button size="sm" type="submit" loading={save.isPending}>
            Send feedback
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setAsking(false)}>
            Cancel
          </Button>
        </form>
      )}
    </div>
  );
}

/** A thumb outline (pointing down when `down`): an inline icon, since fonts may lack emoji. */
function ThumbIcon({ down }: { down: boolean }) {
  return (
    <svg
      aria-hidden
      viewBox="0 0 24 24"
      className={`size-4 ${down ? 'rotate-180' : ''}`}
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d="M7 10v12" />
      <path d="M15 5.88 14 10h5.83a2 2 0 0 1 1.92 2.56l-2.33 8A2 2 0 0 1 17.5 22H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.76a2 2 0 0 0 1.79-1.11L12 2a3.13 3.13 0 0 1 3 3.88Z" />
    </svg>
  );
}
