// "Blank is not a value": a reason, ticket or incident made only of spaces, tabs, zero-width
// or other invisible characters says nothing, so it counts as missing.

// Control (Cc), format (Cf: zero-width space/joiners, U+2060, U+FEFF, bidi controls, tags),
// separators (Z*), marks with no base (M), unassigned, private-use and surrogate code points,
// everything Unicode marks default-ignorable (variation selectors, Hangul fillers) and the
// blank braille pattern: none of them shows a reader anything.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}\p{M}\p{Cn}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}\p{White_Space}\u2800]/gu;

/** The characters a reader can see. */
export function visibleText(s: string): string {
  return s.replace(INVISIBLE, "");
}

/** True for a string with nothing visible in it (including the empty string). */
export function isBlank(s: string): boolean {
  return visibleText(s).length === 0;
}

/** Why a text cannot be a file gitgrant reads, or null. Decoders turn bytes that are not UTF-8 into U+FFFD. */
export function unreadableText(text: string): { message: string; offset: number } | null {
  const nul = text.indexOf("\0");
  if (nul !== -1) return { message: "holds a NUL byte; it must be plain UTF-8 text", offset: nul };
  const bad = text.indexOf("\uFFFD");
  if (bad !== -1) return { message: "holds bytes that are not UTF-8 (or a U+FFFD replacement character); it must be plain UTF-8 text", offset: bad };
  return null;
}
