"""What to do about each root-cause category, now and to prevent a recurrence, in English and
Japanese ({target} is the resource involved)."""

from __future__ import annotations

ACTIONS: dict[str, dict[str, str]] = {
    "capacity": {
        "en": "Restore the capacity of {target} (or switch it to on-demand) and watch the throttle metrics fall.",
        "ja": "{target} の容量を元に戻し (またはオンデマンドに切り替え)、スロットリングのメトリクスが下がることを確認してください。",
    },
    "permissions": {
        "en": "Restore the permission removed from {target}; compare the policy with its previous version.",
        "ja": "{target} から削除された権限を戻し、ポリシーを以前のバージョンと比較してください。",
    },
    "deployment": {
        "en": "Roll back {target} to the previous version.",
        "ja": "{target} を以前のバージョンにロールバックしてください。",
    },
    "configuration": {
        "en": "Revert the configuration change on {target}.",
        "ja": "{target} の設定変更を元に戻してください。",
    },
    "network": {
        "en": "Revert the network change ({target}) and check security groups, routes and DNS.",
        "ja": "ネットワーク変更 ({target}) を元に戻し、セキュリティグループ、ルート、DNS を確認してください。",
    },
    "dependency": {
        "en": "Check the health of the failing dependency ({target}); add timeouts and circuit breaking.",
        "ja": "失敗している依存先 ({target}) の状態を確認し、タイムアウトとサーキットブレーカーを入れてください。",
    },
    "resource-exhaustion": {
        "en": "Raise the exhausted limit of {target} (memory, connections, disk) and find what consumes it.",
        "ja": "{target} の枯渇した上限 (メモリ、接続数、ディスク) を引き上げ、何が消費しているかを突き止めてください。",
    },
    "traffic": {
        "en": "Shed or throttle the surge of traffic at the edge; scale {target}.",
        "ja": "急増したトラフィックをエッジで遮断または制限し、{target} をスケールしてください。",
    },
    "security": {
        "en": "Investigate the suspicious activity on {target}; rotate credentials if exposed.",
        "ja": "{target} での不審な操作を調査し、漏えいしていれば認証情報をローテーションしてください。",
    },
    "data": {
        "en": "Find and quarantine the malformed input hitting {target}; add validation.",
        "ja": "{target} に届く不正な入力を特定して隔離し、入力検証を追加してください。",
    },
}
PREVENTION: dict[str, dict[str, str]] = {
    "capacity": {
        "en": "Alarm on throttle metrics and use auto scaling or on-demand capacity; review capacity changes before applying them.",
        "ja": "スロットリングのメトリクスにアラームを設定し、オートスケーリングかオンデマンドを使い、容量変更は適用前にレビューしてください。",
    },
    "permissions": {
        "en": "Manage IAM policies as code with review, and test the application's permissions in CI.",
        "ja": "IAM ポリシーをコードとしてレビュー付きで管理し、アプリケーションの権限を CI でテストしてください。",
    },
    "deployment": {
        "en": "Deploy gradually (canary / linear) with automatic rollback on the error alarm.",
        "ja": "段階的にデプロイし (カナリア / リニア)、エラーアラームで自動ロールバックしてください。",
    },
    "configuration": {
        "en": "Validate configuration changes in a staging environment and deploy them like code.",
        "ja": "設定変更はステージング環境で検証し、コードと同じようにデプロイしてください。",
    },
    "network": {
        "en": "Manage network rules as code with review; add synthetic checks of critical paths.",
        "ja": "ネットワークルールをコードとしてレビュー付きで管理し、重要な経路に合成監視を追加してください。",
    },
    "dependency": {
        "en": "Add timeouts, retries with back-off and a fallback for the dependency.",
        "ja": "依存先に対してタイムアウト、バックオフ付きリトライ、フォールバックを追加してください。",
    },
    "resource-exhaustion": {
        "en": "Alarm on utilisation before exhaustion and load-test the limits.",
        "ja": "枯渇する前に使用率でアラームを出し、上限を負荷試験で確認してください。",
    },
    "traffic": {
        "en": "Add rate limiting and auto scaling sized for peak traffic.",
        "ja": "レート制限と、ピークトラフィックに合わせたオートスケーリングを追加してください。",
    },
    "security": {
        "en": "Enable GuardDuty and alert on anomalous API activity.",
        "ja": "GuardDuty を有効にし、異常な API 操作を通知してください。",
    },
    "data": {
        "en": "Validate inputs at the edge and alarm on validation errors.",
        "ja": "入力をエッジで検証し、検証エラーにアラームを設定してください。",
    },
}

__all__ = ["ACTIONS", "PREVENTION"]
