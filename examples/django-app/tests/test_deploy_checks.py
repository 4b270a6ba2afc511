"""Django's own production checks, in a child process with a production env."""


def test_check_deploy_has_no_warnings(manage):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        extra_env={
            "CSRF_TRUSTED_ORIGINS": "https://app.example.test",
            # Opt-ins Django asks for; deploy/vars/production.yml sets them.
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_PRELOAD": "true",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_debug(manage):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", extra_env={"DEBUG": "true"}
    )
    assert result.returncode != 0
    assert "security.W018" in result.stderr


def test_migrations_match_the_models(manage):
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
