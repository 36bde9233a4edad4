// The icons, drawn inline (nothing is fetched): 24×24 strokes that take the text colour.

import type { JSX } from "preact";

function Svg({ children }: { children: JSX.Element | JSX.Element[] }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      {children}
    </svg>
  );
}

export const IconChat = () => <Svg><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z" /></Svg>;
export const IconGroup = () => <Svg><circle cx="9" cy="8" r="3.5" /><path d="M2.5 20a6.5 6.5 0 0 1 13 0" /><path d="M16 4.5a3.5 3.5 0 0 1 0 7" /><path d="M18 14a6.5 6.5 0 0 1 3.5 6" /></Svg>;
export const IconSend = () => <Svg><path d="M4 12 20 4l-6 16-3-7z" /><path d="M11 13 20 4" /></Svg>;
export const IconAttach = () => <Svg><path d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5" /></Svg>;
export const IconSmile = () => <Svg><circle cx="12" cy="12" r="9" /><path d="M8.5 14.5a4.5 4.5 0 0 0 7 0" /><path d="M9 9.5h.01M15 9.5h.01" /></Svg>;
export const IconReply = () => <Svg><path d="M9 14 4 9l5-5" /><path d="M4 9h10a6 6 0 0 1 6 6v5" /></Svg>;
export const IconEdit = () => <Svg><path d="M4 20h4L19 9l-4-4L4 16z" /><path d="m13.5 6.5 4 4" /></Svg>;
export const IconTrash = () => <Svg><path d="M4 7h16" /><path d="M10 11v6M14 11v6" /><path d="M6 7l1 13h10l1-13" /><path d="M9 7V4h6v3" /></Svg>;
export const IconPin = () => <Svg><path d="M9 4h6l-1 6 4 3v2H6v-2l4-3z" /><path d="M12 15v5" /></Svg>;
export const IconSearch = () => <Svg><circle cx="11" cy="11" r="7" /><path d="m20 20-4-4" /></Svg>;
export const IconUsers = () => <Svg><circle cx="12" cy="8" r="4" /><path d="M4 21a8 8 0 0 1 16 0" /></Svg>;
export const IconBack = () => <Svg><path d="M15 18l-6-6 6-6" /></Svg>;
export const IconClose = () => <Svg><path d="M6 6l12 12M18 6 6 18" /></Svg>;
export const IconInfo = () => <Svg><circle cx="12" cy="12" r="9" /><path d="M12 11v5M12 8h.01" /></Svg>;
export const IconDown = () => <Svg><path d="M12 5v14M6 13l6 6 6-6" /></Svg>;
export const IconDownload = () => <Svg><path d="M12 4v11M7 10l5 5 5-5" /><path d="M5 20h14" /></Svg>;
export const IconFile = () => <Svg><path d="M6 3h8l4 4v14H6z" /><path d="M14 3v4h4" /></Svg>;
export const IconCheck = () => <Svg><path d="m5 12 4 4 10-10" /></Svg>;
export const IconChecks = () => <Svg><path d="m2 12 4 4 10-10" /><path d="m10 16 1 0 10-10" /></Svg>;
export const IconClock = () => <Svg><circle cx="12" cy="12" r="9" /><path d="M12 7v5l3 2" /></Svg>;
export const IconAlert = () => <Svg><circle cx="12" cy="12" r="9" /><path d="M12 7v6M12 16.5h.01" /></Svg>;
