import { visibleText } from '../common/display-text.js';
import { truncate } from './message-text.js';

/*
 * How span-supplied text goes into a Slack message.
 *
 * Slack parses `&`, `<` and `>` as control characters in every text field (`<!channel>` is a
 * mass mention, `<https://x|label>` a link whose target is hidden) and decodes exactly
 * `&amp;` `&lt;` `&gt;` for display (docs.slack.dev "Formatting message text: Escaping text").
 * So those three are escaped everywhere, plain_text included.
 *
 * mrkdwn has no escape for its formatting characters: `*bold*`, `_italic_`, `~strike~`, a
 * backtick closing our code span. The robust answer is not to let mrkdwn see hostile text at
 * all: it goes into `plain_text` objects, which are never parsed for formatting, mentions or
 * links. Only the top-level `text` (always mrkdwn, used for notifications) and the header (plain
 * text with emoji shortcodes on, for our severity icons) still need more: there each formatting
 * character is replaced by a look-alike that mrkdwn does not parse — the table jsx-slack's
 * <Escape> uses. Zero-width spaces would be the wrong tool: Slack treats them as word breaks,
 * which *enables* formatting inside words. The cost is fidelity: `card_number` in a notification
 * preview reads `cardˍnumber`; the message body (plain_text) shows it exactly.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

const MRKDWN_LOOKALIKES: Record<string, string> = {
  '*': '\u2217', // ∗ asterisk operator
  '\uff0a': '\ufe61', // ＊ → ﹡ small asterisk
  _: '\u02cd', // ˍ modifier letter low macron
  '\uff3f': '\u2e0f', // ＿ → ⸏ paragraphos
  '`': '\u02cb', // ˋ modifier letter grave accent
  '\uff40': '\u02cb', // ｀ → ˋ
  '~': '\u223c', // ∼ tilde operator
  ':': '\u2236', // ∶ ratio: no `:rotating_light:` shortcodes out of a vendor name
};

/** Text for a `plain_text` object (or any Slack text): acting characters visible, `& < >` escaped. */
export function slackPlainText(text: string): string {
  return visibleText(text).replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/** Text for a plain_text object with `emoji: true`: also no `:shortcode:` from hostile text. */
export function slackEmojiSafeText(text: string): string {
  return slackPlainText(text).replaceAll(':', MRKDWN_LOOKALIKES[':'] ?? ':');
}

/** Hostile text spliced into mrkdwn: escaped, and unable to open or close any formatting. */
export function slackMrkdwnText(text: string): string {
  return slackPlainText(text).replace(/[*\uff0a_\uff3f`\uff40~:]/g, (c) => MRKDWN_LOOKALIKES[c] ?? c);
}

/**
 * {@link truncate} for text that is already escaped: never leaves half an entity (`&am…`), which
 * Slack would show literally. Escaped text has `&` only at the start of an entity.
 */
export function truncateSlack(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = truncate(text, max).slice(0, -1);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.includes(';', amp)) cut = cut.slice(0, amp);
  return `${cut}…`;
}
