// Token restore on released text. The scanner may release `<card_7f` now and `3a9c>` later, so the
// restore stage keeps its own small hold-back: a trailing `<` followed only by token characters is
// kept until the next push proves it complete or not a token. The hook only ever sees whole tokens.

export type RestoreFn = (text: string) => string;

export interface RestoreStage {
  push(text: string): string;
  end(): string;
}

export interface RestoreOptions {
  /** The text is the inside of a JSON string (tool-call arguments): restored values are escaped. */
  json: boolean;
  /** Longest token Sluice issues, `<` and `>` included; a longer `<…` run cannot be a token. */
  maxTokenChars: number;
}

const TOKEN_PREFIX = /^<[A-Za-z0-9_]*$/;
const TOKEN = /<[A-Za-z0-9_]+>/g;

/** Escapes a value for the inside of a JSON string literal. */
function jsonInner(value: string): string {
  const s = JSON.stringify(value);
  return s.slice(1, -1);
}

export function createRestoreStage(restore: RestoreFn, opts: RestoreOptions): RestoreStage {
  let held = '';

  function apply(text: string): string {
    if (text.indexOf('<') < 0) return text;
    if (!opts.json) return restore(text);
    // In JSON strings each restored value must be escaped, so restore token by token.
    return text.replace(TOKEN, function restoreToken(tok) {
      const value = restore(tok);
      return value === tok ? tok : jsonInner(value);
    });
  }

  return {
    push: function pushRestore(text) {
      const buf = held === '' ? text : held + text;
      held = '';
      const lt = buf.lastIndexOf('<');
      if (lt >= 0 && buf.length - lt < opts.maxTokenChars && TOKEN_PREFIX.test(buf.slice(lt))) {
        held = buf.slice(lt);
        return apply(buf.slice(0, lt));
      }
      return apply(buf);
    },
    end: function endRestore() {
      const rest = held;
      held = '';
      return apply(rest);
    },
  };
}
