"""Scores customers with the buy-again API using only Python's standard library.

POST /predict for one customer, then POST /predict/batch with JSON and with a CSV file
(examples/customers.csv) sent as text/csv. Usage: python3 score.py [base URL] (default: BASE_URL or
http://localhost:3000). Set API_KEY when the server runs with API_KEYS.
"""
import csv
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

CSV_FILE = Path(__file__).resolve().parent.parent / "customers.csv"

CUSTOMER = {
    "customerId": "demo-1",
    "bookLengthAvgMinutes": 1620,
    "bookLengthTotalMinutes": 1620,
    "priceAvg": 9.5,
    "priceTotal": 9.5,
    "reviewed": True,
    "reviewScore": 9,
    "completion": 0.45,
    "minutesListened": 729,
    "supportRequests": 1,
    "lastVisitDaysAfterPurchase": 45,
}


def post(base_url, path, body, content_type):
    """POSTs body (bytes) and returns the JSON answer; raises SystemExit with the server's error."""
    headers = {"content-type": content_type, "accept": "application/json"}
    if os.environ.get("API_KEY"):
        headers["authorization"] = "Bearer " + os.environ["API_KEY"]
    request = urllib.request.Request(base_url.rstrip("/") + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{path}: HTTP {error.code}: {error.read().decode('utf-8', 'replace')}")
    except urllib.error.URLError as error:
        raise SystemExit(f"{base_url}: {error.reason}")


def customers_from_csv(path):
    """The CSV's rows as API customers: numbers as numbers, booleans as booleans, an empty score as None."""
    customers = []
    with open(path, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            customer = {}
            for name, cell in row.items():
                if name == "customerId":
                    customer[name] = cell
                elif name == "reviewed":
                    customer[name] = cell in ("true", "1")
                elif cell == "":
                    customer[name] = None
                else:
                    number = float(cell)
                    customer[name] = int(number) if number.is_integer() else number
            customers.append(customer)
    return customers


def main(argv):
    base_url = argv[1] if len(argv) > 1 else os.environ.get("BASE_URL", "http://localhost:3000")

    one = post(base_url, "/predict", json.dumps(CUSTOMER).encode("utf-8"), "application/json")
    print(f"one: {one['customerId']} probability {one['probability']:.3f} willBuy {one['willBuy']}")

    body = json.dumps({"customers": customers_from_csv(CSV_FILE)}).encode("utf-8")
    batch = post(base_url, "/predict/batch", body, "application/json")
    for p in batch["predictions"]:
        print(f"json batch: {p['customerId']} probability {p['probability']:.3f} willBuy {p['willBuy']}")

    # The file's bytes as they are: the server reads the CSV itself.
    from_csv = post(base_url, "/predict/batch", CSV_FILE.read_bytes(), "text/csv")
    for p in from_csv["predictions"]:
        print(f"csv batch: {p['customerId']} probability {p['probability']:.3f} willBuy {p['willBuy']}")
    print(f"model {from_csv['modelVersion']}, threshold {from_csv['threshold']}")


if __name__ == "__main__":
    main(sys.argv)
