from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Plain lists unless ``?page_size=`` is given (the contract's DRF default)."""

    page_size = None
    page_size_query_param = "page_size"
    max_page_size = 100
