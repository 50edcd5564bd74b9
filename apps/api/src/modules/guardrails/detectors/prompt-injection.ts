import { type Finding, findAll } from './finding.js';

/**
 * A local prompt-injection classifier: phrase patterns for the four families seen in practice
 * (instruction override, role-play jailbreaks, system-prompt exfiltration, chat-template markers
 * smuggled into data) plus encoded payloads (base64 or hex blobs that decode to one of those
 * phrases). It is a fast first line, tuned for precision on ordinary text: talking *about* prompts
 * ("how do I write a system prompt?") is not an attack. Its precision and recall on a labelled set
 * are printed by bench/guardrails.
 */
export function detectPromptInjection(text: string): Finding[] {
  const findings = PATTERNS.flatMap((pattern) => findAll(text, pattern, 'prompt_injection'));
  for (const blob of text.matchAll(ENCODED_BLOB)) {
    const decoded = decodeBlob(blob[0]);
    if (decoded && PATTERNS.some((pattern) => new RegExp(pattern.source, pattern.flags).test(decoded))) {
      const start = blob.index ?? 0;
      findings.push({ kind: 'prompt_injection', placeholder: PLACEHOLDER, start, end: start + blob[0].length });
    }
  }
  return findings.map((finding) => ({ ...finding, placeholder: PLACEHOLDER }));
}

const PLACEHOLDER = '[REMOVED INSTRUCTION]';

const PRIOR = String.raw`(?:all\s+|any\s+|the\s+|your\s+|these\s+|those\s+)*(?:previous|prior|above|earlier|preceding|original|initial|system|existing)`;
const RULES = `(?:instructions?|prompts?|rules|directions|directives|guidelines|commands|context|constraints|guardrails)`;

const PATTERNS: readonly RegExp[] = [
  // Instruction override.
  new RegExp(String.raw`\b(?:ignore|disregard|forget|override|bypass|skip|drop)\s+${PRIOR}\s+${RULES}`, 'gi'),
  /\b(?:ignore|disregard|forget)\s+(?:everything|all|anything)\s+(?:you\s+(?:were|have\s+been)\s+told|(?:said\s+)?(?:before|above|so\s+far))/gi,
  /\b(?:new|updated|real|actual)\s+(?:system\s+)?instructions?\s*:/gi,
  /\bfrom\s+now\s+on,?\s+you\s+(?:will|must|are|shall|no\s+longer)\b/gi,
  /\byou\s+(?:must|should)\s+no\s+longer\s+follow\b/gi,
  // The same in the languages users write to us most (German, French, Spanish, Portuguese, Italian).
  /\bignorier(?:e|en)?\s+(?:alle\s+)?(?:vorherigen|bisherigen|obigen)\s+(?:Anweisungen|Regeln|Instruktionen)/gi,
  /\bignore[rz]?\s+(?:toutes\s+)?(?:les\s+)?instructions\s+(?:précédentes|precedentes|ci-dessus)/gi,
  /\bignora(?:r)?\s+(?:todas\s+)?(?:las\s+|as\s+|le\s+)?(?:instrucciones|instruções|instrucoes|istruzioni)\s+(?:anteriores|precedenti)/gi,
  // Role-play jailbreaks.
  /\byou\s+are\s+(?:now\s+)?(?:DAN|an?\s+(?:unrestricted|unfiltered|uncensored|jailbroken)\b)/gi,
  /\b(?:enable|enter|activate)\s+(?:developer|debug|god|jailbreak|DAN)\s+mode\b/gi,
  /\b(?:pretend|act|behave|roleplay|role-play)\s+(?:as|like|that|to\s+be|you\s+are|you're)\b[^.\n]{0,80}\b(?:without|no|free\s+of|ignoring)\s+(?:any\s+)?(?:restrictions|rules|filters|limits|guidelines|censorship)/gi,
  /\bDo\s+Anything\s+Now\b/gi,
  // System-prompt exfiltration.
  /\b(?:reveal|show|print|repeat|output|display|dump|leak|tell\s+me|give\s+me|what\s+(?:is|are|were))\s+(?:me\s+)?(?:your|the)\s+(?:full\s+|exact\s+|original\s+|hidden\s+|secret\s+|initial\s+)*(?:system\s+prompt|system\s+message|hidden\s+instructions|initial\s+instructions|developer\s+message|instructions\s+above)/gi,
  /\brepeat\s+(?:the\s+|all\s+)?(?:text|words|everything)\s+above\b/gi,
  // Chat-template markers and fake turns smuggled into data (tool outputs, files, web pages).
  /<\|(?:im_start|im_end|system|endoftext)\|>|\[\/?INST\]|<<SYS>>/gi,
  /^\s*(?:###\s*)?(?:system|assistant)\s*:\s*(?:you|ignore|new|from\s+now)/gim,
  // Exfiltration through links or images the client renders.
  /!\[[^\]]*\]\(https?:\/\/[^)\s]*[?&][^)\s]*=\s*\{?[^)\s]*(?:conversation|history|secret|password|token|data)/gi,
  /\b(?:send|post|upload|forward|exfiltrate)\s+(?:the|this|all|your)?\s*(?:conversation|chat\s+history|system\s+prompt|user'?s?\s+data|credentials|api\s+keys?)\s+to\s+(?:https?:\/\/|\S+@)/gi,
];

const ENCODED_BLOB = /\b(?:[A-Za-z0-9+/]{24,}={0,2}|(?:[0-9a-fA-F]{2}){16,})(?![A-Za-z0-9+/=])/g;

function decodeBlob(blob: string): string | null {
  const hex = /^(?:[0-9a-fA-F]{2})+$/.test(blob);
  const decoded = Buffer.from(blob, hex ? 'hex' : 'base64').toString('utf8');
  // Only printable text can carry an instruction; binary decodings of random strings are not one.
  return /^[\p{L}\p{N}\p{P}\p{Zs}\n\r\t$+<=>^`|~]+$/u.test(decoded) ? decoded : null;
}
