// The shapes of the server's JSON, as docs/api.md and docs/protocol.md describe them.

export type Role = "owner" | "admin" | "moderator" | "member";
export type PresenceState = "online" | "away" | "offline";

export interface Account {
  id: string;
  username: string;
  email: string;
  displayName: string;
  avatarUrl: string | null;
  bio: string | null;
  statusMessage: string | null;
  presence: PresenceState | null;
  lastSeenAt: string | null;
  isAdmin: boolean;
  disabledAt: string | null;
  createdAt: string;
}

export interface AuthResult {
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  accessExpiresAt: string;
  refreshExpiresAt: string;
  user?: Account;
}

export interface UserProfile {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
  bio: string | null;
  statusMessage: string | null;
  presence: PresenceState | null;
  lastSeenAt: string | null;
}

export interface MessagePreview {
  id: string;
  seq: number;
  senderId: string | null;
  kind: string;
  body: string | null;
  createdAt: string;
  deleted: boolean;
  senderName: string | null;
}

export interface Conversation {
  id: string;
  kind: "direct" | "group";
  title: string | null;
  role: Role;
  lastSeq: number;
  messageCount: number;
  lastReadSeq: number;
  lastDeliveredSeq: number;
  unreadCount: number;
  mutedUntil: string | null;
  lastActivityAt: string;
  createdAt: string;
  otherUserId: string | null;
  otherUsername: string | null;
  otherDisplayName: string | null;
  lastMessage: MessagePreview | null;
}

export interface Reaction {
  emoji: string;
  count: number;
  userIds: string[];
}

export interface AttachmentRef {
  id: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  width: number | null;
  height: number | null;
}

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string | null;
  clientMsgId: string | null;
  kind: string;
  body: string | null;
  ciphertext: string | null;
  replyToId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  reactions?: Reaction[];
  attachments?: AttachmentRef[];
}

export interface MessagePage {
  items: Message[];
  hasMore: boolean;
}

export interface Member {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  joinedAt: string;
  lastReadSeq: number;
}

export interface SeenEntry {
  userId: string;
  username: string;
  displayName: string;
  lastReadSeq: number;
}

export interface EditEntry {
  version: number;
  previousBody: string | null;
  editedBy: string;
  editedAt: string;
}

export interface ReactionDetail extends Reaction {
  mine: boolean;
}

export interface SearchHit {
  messageId: string;
  conversationId: string;
  seq: number;
  senderId: string | null;
  createdAt: string;
  snippet: string;
  highlights: { start: number; length: number }[];
}

export interface Contact {
  userId: string;
  username: string;
  displayName: string;
  status: "pending" | "accepted" | "declined" | "blocked";
  outgoing: boolean;
  blockedByMe: boolean;
  updatedAt: string;
}

export interface SessionInfo {
  id: string;
  deviceName: string | null;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  current: boolean;
}

export interface Attachment extends AttachmentRef {
  conversationId: string;
  messageId: string | null;
  createdAt: string;
}

export interface AuditEntry {
  id: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  severity: string;
  details: unknown;
  createdAt: string;
}

export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AdminUser {
  id: string;
  username: string;
  email: string | null;
  displayName: string;
  isAdmin: boolean;
  disabledAt: string | null;
  createdAt: string;
  lastSeenAt: string | null;
}

export interface ServerFigures {
  node: string;
  version: string;
  engine: string;
  schemaVersion: number;
  latestKnownVersion: number;
  startedAt: string;
  sockets: number;
  users: number;
  conversations: number;
  messages: number;
  messagesLastMinute: number;
  messagesLastHour: number;
}

export interface DayCount {
  day: string;
  count: number;
}

/** An event of a conversation, from a socket frame or the REST events page. */
export interface ChatEvent {
  conversationId: string;
  seq: number;
  kind: string;
  actorId?: string | null;
  createdAt: string;
  data: EventData;
}

export interface EventData {
  messageId?: string;
  message?: Message;
  userId?: string;
  seq?: number;
  role?: Role;
  title?: string;
  emoji?: string;
  reason?: string;
}

export interface ProblemDetails {
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  errors?: Record<string, string[]>;
}
