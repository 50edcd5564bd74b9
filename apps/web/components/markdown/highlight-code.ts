/** A token of highlighted code; `plain` text is rendered as is. */
export interface CodeToken {
  type: 'plain' | 'keyword' | 'string' | 'number' | 'comment';
  text: string;
}

const KEYWORDS = new Set(
  (
    'abstract as async await break case catch class const continue def default del delete do elif else enum except export extends ' +
    'false finally fn for from func function go if impl implements import in interface is lambda let match mut new nil None not null ' +
    'or package pass private protected pub public raise readonly return self static struct super switch this throw true True False try type ' +
    'typeof undefined use var void while with yield string number boolean any unknown never int float bool select where insert update'
  ).split(' '),
);

const HASH_COMMENT_LANGS = new Set([
  'py',
  'python',
  'sh',
  'bash',
  'shell',
  'zsh',
  'rb',
  'ruby',
  'yaml',
  'yml',
  'toml',
  'r',
]);

/**
 * A deliberately small highlighter: comments, strings, numbers and common keywords across
 * C-like, Python and shell code. Output is tokens, never HTML, so nothing is ever injected.
 */
export function highlightCode(code: string, lang: string): CodeToken[] {
  const hashComments = HASH_COMMENT_LANGS.has(lang.toLowerCase());
  const pattern = hashComments
    ? /(#[^\n]*)|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(\b\d+(?:\.\d+)?\b)|([A-Za-z_$][\w$]*)/g
    : /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|--[^\n]*)|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_$][\w$]*)/g;
  const tokens: CodeToken[] = [];
  let last = 0;
  const push = (type: CodeToken['type'], text: string) => {
    const prev = tokens[tokens.length - 1];
    if (prev && prev.type === type) prev.text += text;
    else tokens.push({ type, text });
  };
  for (const m of code.matchAll(pattern)) {
    const index = m.index ?? 0;
    if (index > last) push('plain', code.slice(last, index));
    if (m[1]) push('comment', m[0]);
    else if (m[2]) push('string', m[0]);
    else if (m[3]) push('number', m[0]);
    else push(KEYWORDS.has(m[0]) ? 'keyword' : 'plain', m[0]);
    last = index + m[0].length;
  }
  if (last < code.length) push('plain', code.slice(last));
  return tokens;
}
