"""The fixed phrases of the rule-based report, in English and Japanese (`settings.investigator.language`).

Only the templates are translated: what they quote (error lines, API names, resource names,
the reasons a change is related) comes from the evidence and stays as recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.baseline.remedies import ACTIONS, PREVENTION

PHRASES: dict[str, dict[str, str]] = {
    "rule_based": {
        "en": "(rule-based baseline, no LLM)",
        "ja": "(ルールベースのベースライン、LLM 不使用)",
    },
    "disclaimer": {
        "en": "This report is rule-based: fa2's baseline investigator applied fixed rules, no LLM.",
        "ja": "このレポートはルールベースです: fa2 のベースライン調査器が固定のルールを適用しました (LLM 不使用)。",
    },
    "most_likely": {
        "en": "Most likely cause ({category}): {statement}",
        "ja": "最も可能性の高い原因 ({category}): {statement}",
    },
    "unclassified": {"en": "unclassified", "ja": "分類なし"},
    "inconclusive": {
        "en": "Inconclusive: insufficient evidence to name a root cause.",
        "ja": "結論なし (inconclusive): 根本原因を特定するには証拠が不十分です。",
    },
    "searched": {
        "en": "The rule-based baseline searched {sources} and found {found}",
        "ja": "ルールベースのベースラインは {sources} を調べ、{found}",
    },
    "found_unexplained": {
        "en": "error lines but no known signature or related change.",
        "ja": "エラー行を見つけましたが、既知のシグネチャや関連する変更はありませんでした。",
    },
    "found_nothing": {
        "en": "no error lines in the window.",
        "ja": "期間内にエラー行は見つかりませんでした。",
    },
    "found_no_logs": {
        "en": "no log lines it could read (the logs queries failed or no log group was queried).",
        "ja": "読めるログ行がありませんでした (ログのクエリが失敗したか、ロググループが対象外でした)。",
    },
    "no_source": {"en": "no source", "ja": "どのソースも"},
    "symptoms": {
        "en": "What the telemetry shows: {items}.",
        "ja": "テレメトリが示していること: {items}。",
    },
    "needed": {
        "en": "To conclude, it would need {items}.",
        "ja": "結論を出すには次が必要です: {items}。",
    },
    "need_logs": {
        "en": "the logs of the component behind {what} (none in the window)",
        "ja": "{what} の背後にあるコンポーネントのログ (期間内にありません)",
    },
    "need_traces": {
        "en": "traces of the affected requests (no X-Ray data)",
        "ja": "影響を受けたリクエストのトレース (X-Ray データなし)",
    },
    "need_dependency": {
        "en": "the metrics and logs of what the slow or failing component depends on",
        "ja": "遅い、または失敗しているコンポーネントが依存する先のメトリクスとログ",
    },
    "the_alarm": {"en": "the alarm", "ja": "アラーム"},
    "alarm_peak": {
        "en": "{label} peaked at {peak:g} at {at:%H:%M}Z (typical {typical:g})",
        "ja": "{label} が {at:%H:%M}Z に {peak:g} でピーク (通常 {typical:g})",
    },
    "warnings": {
        "en": 'warnings without errors, e.g. "{sample}"',
        "ja": '警告のみでエラーなし (例: "{sample}")',
    },
    "alb": {
        "en": "the load balancer returned {total:.0f} 5xx{codes} from {where}",
        "ja": "ロードバランサーが {where} から 5xx を {total:.0f} 件返しました{codes}",
    },
    "alb_all_targets": {"en": "all {n} targets", "ja": "全 {n} ターゲット"},
    "alb_some_targets": {
        "en": "{k} of {n} targets ({targets})",
        "ja": "{n} ターゲット中 {k} ({targets})",
    },
    "saturation": {
        "en": "{metrics} at the onset",
        "ja": "発生時に {metrics}",
    },
    "from_time": {"en": " from {at:%H:%M}Z", "ja": " ({at:%H:%M}Z から)"},
    "around_time": {"en": " around {at:%H:%M}Z", "ja": " ({at:%H:%M}Z 頃)"},
    "errors_of": {"en": "{name} errors", "ja": "{name} エラー"},
    "the_errors": {"en": "the errors", "ja": "エラー"},
    "change_caused": {
        "en": "{change} caused {effect}",
        "ja": "{change} が {effect} を引き起こしました",
    },
    "change_reasoning": {
        "en": "The change relates to the failure: {reasons}.",
        "ja": "この変更は障害に関係しています: {reasons}。",
    },
    "metrics_moved": {
        "en": " Metrics moved with it: {metrics}.",
        "ja": " 同時に動いたメトリクス: {metrics}。",
    },
    "sample_error": {"en": ' Sample error: "{sample}"', "ja": ' エラー例: "{sample}"'},
    "in_calls": {
        "en": " in calls from {caller} to {downstream} ({bad:.0f} of {requests:.0f} failed{slow})",
        "ja": " ({caller} から {downstream} への呼び出しで {requests:.0f} 件中 {bad:.0f} 件が失敗{slow})",
    },
    "slow": {
        "en": ", slow: {seconds:.2f} s on average",
        "ja": "、平均 {seconds:.2f} 秒と低速",
    },
    "in_service": {"en": " in {service}", "ja": " ({service} で)"},
    "memory": {
        "en": "; Max Memory Used reaches {peak:.0f} MB of {size:.0f} MB (average {first:.0f} → {last:.0f} MB)",
        "ja": "。Max Memory Used が {size:.0f} MB 中 {peak:.0f} MB に到達 (平均 {first:.0f} → {last:.0f} MB)",
    },
    "unexplained_errors": {
        "en": "{errors}{where}{onset}, with no recorded change that explains them",
        "ja": "{errors}{where}{onset}。これを説明する記録された変更はありません",
    },
    "signature_reasoning": {
        "en": "The dominant error signature points to {category}; no CloudTrail write relates to the failing resource.",
        "ja": "主要なエラーシグネチャは {category} を示しています。失敗しているリソースに関係する CloudTrail の書き込みはありません。",
    },
    "security": {
        "en": "Credentials of {principal} are used from {address} to probe {apis:.0f} APIs in {regions:.0f} region(s); {failed:.0f} of {calls:.0f} calls were denied",
        "ja": "{principal} の認証情報が {address} から使われ、{regions:.0f} リージョンで {apis:.0f} 種類の API を探っています。{calls:.0f} 回の呼び出しのうち {failed:.0f} 回が拒否されました",
    },
    "security_reasoning": {
        "en": "Many different APIs refused for one principal from one address is enumeration with misused credentials, not an application fault.",
        "ja": "1 つのアドレスから 1 つのプリンシパルで多数の API が拒否されるのは、不正に使われた認証情報による探索であり、アプリケーションの障害ではありません。",
    },
    "traffic": {
        "en": "A traffic surge from {clients:.0f} client address(es) with user agent '{agent}' ({requests:.0f} requests, {share:.0%} of all, first seen {first}) overloads the service",
        "ja": "ユーザーエージェント '{agent}' の {clients:.0f} クライアントアドレスからのトラフィック急増 ({requests:.0f} リクエスト、全体の {share:.0%}、初回 {first}) がサービスを過負荷にしています",
    },
    "traffic_reasoning": {
        "en": "One user agent from few addresses sends a large share of the requests while 5xx rise on every target.",
        "ja": "少数のアドレスから 1 つのユーザーエージェントがリクエストの大部分を送り、すべてのターゲットで 5xx が増えています。",
    },
    "target": {
        "en": "Target {target} returns {worst:.0f} of {total:.0f} 5xx responses behind the load balancer",
        "ja": "ロードバランサー配下のターゲット {target} が 5xx 応答 {total:.0f} 件中 {worst:.0f} 件を返しています",
    },
    "target_reasoning": {
        "en": "One target concentrates the 5xx responses.",
        "ja": "1 つのターゲットに 5xx 応答が集中しています。",
    },
    "observed": {
        "en": "Observed without an explanation{at}: {metrics}",
        "ja": "説明のつかない変化{at}: {metrics}",
    },
    "observed_reasoning": {
        "en": "These metrics moved, but no error, change or caller in the evidence explains why.",
        "ja": "これらのメトリクスは変化しましたが、証拠の中のエラー、変更、呼び出し元のどれもその理由を説明しません。",
    },
    "warnings_statement": {
        "en": 'Warnings without errors: "{sample}"',
        "ja": 'エラーのない警告: "{sample}"',
    },
    "warnings_reasoning": {
        "en": "The logs show warnings or slow requests, not failures; they locate the symptom, not its cause.",
        "ja": "ログには失敗ではなく警告や遅いリクエストが出ています。症状の場所は分かりますが、原因は分かりません。",
    },
    "peak_statement": {
        "en": "The alarm's metric {peak}",
        "ja": "アラームのメトリクス: {peak}",
    },
    "peak_reasoning": {
        "en": "This is what the alarm saw; nothing else in the evidence moved with it.",
        "ja": "これがアラームの検知した事象です。証拠の中で連動して動いたものは他にありません。",
    },
    "unlikely": {
        "en": "Unlikely: {change} is unrelated to the failure",
        "ja": "可能性は低い: {change} は障害と無関係です",
    },
    "unlikely_reasoning": {
        "en": "Recorded change, but not enough ties it to the failure: {why}.",
        "ja": "記録された変更ですが、障害と結びつける根拠が不十分です: {why}。",
    },
    "unrelated_why": {
        "en": "it touches neither the resource the errors name nor the service they implicate",
        "ja": "エラーが名指しするリソースにも、関係するサービスにも触れていません",
    },
    "impact": {
        "en": "About {total:.0f} error log lines in the window (peak {peak:.0f}/min){ids}.",
        "ja": "期間内のエラーログ行は約 {total:.0f} 件 (ピーク {peak:.0f} 件/分){ids}。",
    },
    "impact_alb": {
        "en": " {total:.0f} 5xx responses at the load balancer{ids}.",
        "ja": " ロードバランサーでの 5xx 応答は {total:.0f} 件{ids}。",
    },
    "impact_shifts": {
        "en": " Metrics shifted at the onset: {shifts}.",
        "ja": " 発生時に変化したメトリクス: {shifts}。",
    },
    "look_by_hand": {
        "en": "Look at the error lines and recent changes by hand; the rules found no clear cause.",
        "ja": "エラー行と最近の変更を手で確認してください。ルールでは明確な原因が見つかりませんでした。",
    },
    "unknown_cause": {
        "en": "The root cause: no error signature, caller or change explains the alarm.",
        "ja": "根本原因: アラームを説明するエラーシグネチャ、呼び出し元、変更がありません。",
    },
    "unknown_downstream": {
        "en": "Which downstream call fails (no X-Ray fault data).",
        "ja": "どの下流呼び出しが失敗しているか (X-Ray の障害データなし)。",
    },
    "errors_begin": {"en": "{label} errors begin", "ja": "{label} エラーが始まる"},
    "new_level": {
        "en": "{label} at a new level: {before:g} before, {after:g} after",
        "ja": "{label} が新しい水準に: 前 {before:g}、後 {after:g}",
    },
    "alb_timeline": {
        "en": "{total:.0f} 5xx at the load balancer, by target: {targets}",
        "ja": "ロードバランサーで 5xx が {total:.0f} 件、ターゲット別: {targets}",
    },
    # follow-up answers
    "fu_lead": {
        "en": "Rule-based answer to “{question}”:",
        "ja": "「{question}」へのルールベースの回答:",
    },
    "fu_onset": {
        "en": "Errors began at {at:%H:%M}Z{ids}.",
        "ja": "エラーは {at:%H:%M}Z に始まりました{ids}。",
    },
    "fu_first_line": {
        "en": 'The first error line was logged at {time} in {log}: "{sample}"{ids}.',
        "ja": '最初のエラー行は {time} に {log} で記録されました: "{sample}"{ids}。',
    },
    "fu_after_change": {
        "en": "It followed {change}{ids}.",
        "ja": "その前に {change} がありました{ids}。",
    },
    "fu_no_onset": {
        "en": "The errors show no clear onset in the window.",
        "ja": "期間内のエラーに明確な開始点はありません。",
    },
    "fu_changes": {
        "en": "CloudTrail records {n} write(s) in the window: {items}.",
        "ja": "CloudTrail には期間内に {n} 件の書き込みがあります: {items}。",
    },
    "fu_related": {"en": "related: {reasons}", "ja": "関連: {reasons}"},
    "fu_unrelated": {"en": "unrelated to the failure", "ja": "障害とは無関係"},
    "fu_no_changes": {
        "en": "CloudTrail shows no write in the window{ids}.",
        "ja": "CloudTrail には期間内の書き込みがありません{ids}。",
    },
    "fu_no_trail": {
        "en": "There is no CloudTrail data in the evidence.",
        "ja": "証拠に CloudTrail のデータがありません。",
    },
    "fu_by_log": {
        "en": "Failures by log group: {items}{ids}.",
        "ja": "ロググループ別の失敗: {items}{ids}。",
    },
    "fu_http": {
        "en": "Failed HTTP requests: {items}{ids}.",
        "ja": "失敗した HTTP リクエスト: {items}{ids}。",
    },
    "fu_alb_paths": {
        "en": "At the load balancer: {items}{ids}.",
        "ja": "ロードバランサー: {items}{ids}。",
    },
    "fu_traces": {
        "en": "X-Ray holds {n} faulting or erroring trace(s){ids}.",
        "ja": "X-Ray には障害またはエラーのトレースが {n} 件あります{ids}。",
    },
    "fu_no_failed": {
        "en": "No evidence lists the failed requests.",
        "ja": "失敗したリクエストを示す証拠はありません。",
    },
    "fu_lines": {
        "en": "{n} log line(s) mention {what}{ids}: {items}.",
        "ja": "{what} を含むログ行は {n} 件{ids}: {items}。",
    },
    "fu_no_lines": {
        "en": "No log line in the window mentions {what}{ids}.",
        "ja": "期間内に {what} を含むログ行はありません{ids}。",
    },
    "fu_mentions": {
        "en": "Evidence mentioning {what}: {items}.",
        "ja": "{what} に触れている証拠: {items}。",
    },
    "fu_nothing": {
        "en": "The question names nothing the rules can search for; insufficient evidence to answer it.",
        "ja": "質問にはルールで検索できる語がなく、回答するには証拠が不十分です。",
    },
    "fu_conclusion": {
        "en": "The investigation's conclusion stands: {conclusion}",
        "ja": "調査の結論は変わりません: {conclusion}",
    },
    "fu_no_conclusion": {
        "en": "no root cause was established.",
        "ja": "根本原因は特定されていません。",
    },
    # what the team knew before (agent/baseline/prior.py)
    "past_confirms": {
        "en": "The same cause was confirmed for this alarm on {date}: “{statement}”.",
        "ja": "同じアラームで {date} に同じ原因が確認されています: “{statement}”。",
    },
    "past_again": {
        "en": "The cause confirmed for this alarm before, again: {statement}",
        "ja": "このアラームで以前確認された原因の再発: {statement}",
    },
    "past_again_reasoning": {
        "en": "People confirmed “{statement}” ({category}) for this alarm on {date}; this "
        "incident's dominant error points to {category} again, so it was checked first and the "
        "evidence supports it. A coincident change of another kind ranks below it.",
        "ja": "このアラームでは {date} に “{statement}” ({category}) が原因と確認されています。今回の主要なエラーも "
        "{category} を示すため最初に確認し、証拠が裏付けています。別種の同時期の変更はその下に置きます。",
    },
    "past_not_this_time": {
        "en": "Checked and not supported this time: the cause confirmed for this alarm on {date}, “{statement}”",
        "ja": "確認したが今回は裏付けなし: このアラームで {date} に確認された原因 “{statement}”",
    },
    "past_not_reasoning": {
        "en": "A confirmed past cause is a lead, not proof: this incident's evidence does not point to {category}.",
        "ja": "過去に確認された原因は手がかりであり証拠ではありません: 今回の証拠は {category} を示していません。",
    },
    "runbook_action": {
        "en": "Follow the runbook “{title}” ({source}): {step} [{id}]",
        "ja": "ランブック “{title}” ({source}) に従ってください: {step} [{id}]",
    },
    "fu_impact": {"en": "Impact: {impact}", "ja": "影響: {impact}"},
    "fu_fix": {"en": "Recommended now: {actions}", "ja": "推奨する対応: {actions}"},
    "fu_why": {"en": "{statement} Why: {reasoning}", "ja": "{statement} 理由: {reasoning}"},
}


@dataclass(frozen=True)
class Phrases:
    """The phrase table in one language (English for any language without a translation)."""

    language: str = "en"

    def __call__(self, key: str, **values: object) -> str:
        entry = PHRASES[key]
        return entry.get(self.language, entry["en"]).format(**values)

    def action(self, category: str, target: str) -> str | None:
        entry = ACTIONS.get(category)
        return entry.get(self.language, entry["en"]).format(target=target) if entry else None

    def prevention(self, category: str) -> str | None:
        entry = PREVENTION.get(category)
        return entry.get(self.language, entry["en"]) if entry else None

    @property
    def separator(self) -> str:
        return "、" if self.language == "ja" else "; "


__all__ = ["PHRASES", "Phrases"]
