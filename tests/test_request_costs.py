"""Per-request work moto repeats, cached while its inputs stay the same (lib/serverless_lab/cloud/request_costs.py)."""

from __future__ import annotations

from serverless_lab import mock_aws


def test_method_names_follow_attributes_added_and_removed():
    import moto.core.responses as responses

    class Probe(responses.BaseResponse):
        def first(self):
            return None

    with mock_aws() as aws:
        aws.client("sts").get_caller_identity()
        names = responses.method_names_from_class
        assert "first" in names(Probe) and "second" not in names(Probe)
        Probe.second = lambda self: None            # what a create=True seam does
        assert "second" in names(Probe)
        del Probe.second                            # and what its undo does
        assert "second" not in names(Probe)


def test_s3_routes_follow_a_changed_custom_endpoint(monkeypatch):
    with mock_aws() as aws:
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="costs-bucket")
        s3.put_object(Bucket="costs-bucket", Key="k", Body=b"one")
        from moto.s3.models import s3_backends

        backend = s3_backends[aws.account_id]["aws"]
        assert "https://files.example.test" not in backend._url_module.url_bases
        monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "https://files.example.test")
        assert "https://files.example.test" in backend._url_module.url_bases
        monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS")
        assert "https://files.example.test" not in backend._url_module.url_bases
        assert s3.get_object(Bucket="costs-bucket", Key="k")["Body"].read() == b"one"
