import { t } from "../strings";

export function SettingsScreen() {
  return (
    <section class="page">
      <h1>{t.common.loading}</h1>
    </section>
  );
}
